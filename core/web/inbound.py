"""The email webhooks: only the configured provider's URLs are mounted, the post is read with limits
fit for email, and Mailgun's signature (checked by anymail) must also be fresh and used once.

The request only authenticates and stores: the message as posted is written once (unique Message-ID)
with its token, and a worker parses it into entries (core/services/inbound.py). Answers: 400 for
anything forged, stale, replayed with other content or malformed; 413 past the provider's size limit;
200 once the message is stored (the ESP must not retry what is kept, whatever the worker makes of it);
5xx only when we failed (database down), so the ESP retries later.
"""

import datetime as dt
import hashlib
import logging
import queue
import threading
import time
import urllib.parse

import multipart
from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError, AnymailError, AnymailWebhookValidationFailure
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from celery import current_app
from csp.decorators import csp_exempt
from django.conf import settings
from django.core import checks
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.views import View

from core import inbound_mail
from core.services.deliveries import delivery_track
from core.services.inbound import InboundTokenReused, WebhookToken, inbound_store

log = logging.getLogger(__name__)
PARSE_TASK = "scheduled.inbound_parse"
PARSE_MANY_TASK = "scheduled.inbound_parse_many"
# How long the sender waits for more ids after the first before it publishes: nothing beside a parse that
# takes a worker a few hundred milliseconds, and under load it makes the batches several times larger.
BATCH_WAIT_SECONDS = 0.05


def send_parses(inbound_ids: list[int]) -> None:
    """Hand stored emails to a worker in one message. By the tasks' names: core does not import
    ``scheduled``. One id goes as the task it always was; several as one message carrying them all."""
    if len(inbound_ids) == 1:
        current_app.send_task(PARSE_TASK, kwargs={"inbound_id": inbound_ids[0]}, queue=settings.INBOUND_QUEUE)
    else:
        current_app.send_task(PARSE_MANY_TASK, kwargs={"inbound_ids": inbound_ids}, queue=settings.INBOUND_QUEUE)


class _ParseSender(threading.Thread):
    """Sends the parse messages of this process, one thread for all requests. A request only queues the
    id in memory: the broker's round trips (and Celery's ten pooled broker connections, which ninety
    threads would queue for while holding their database connections) stay off the request.

    The ids that arrive within ``BATCH_WAIT_SECONDS`` of one another leave as one message (at most
    ``INBOUND_PARSE_BATCH`` ids): a publish costs this process about a millisecond of CPU however many
    ids it carries, so under load the cost per email shrinks instead of queueing behind the GIL. A
    quiet process sends each id alone. The message is only a nudge: ids lost here (the
    process stopped, the broker down) are left owed in the database and handed out by the sweeper
    (``INBOUND_REDISPATCH_AFTER_SECONDS``)."""

    def __init__(self) -> None:
        super().__init__(name="inbound-parse-sender", daemon=True)
        self.ids: queue.SimpleQueue[int] = queue.SimpleQueue()

    def run(self) -> None:
        while True:
            batch = self._next_batch()
            try:
                send_parses(batch)
            except Exception as error:  # broker down: the sweeper hands them out later
                log.warning(
                    "inbound %s: parse not enqueued (%s: %s); left for the sweeper",
                    ", ".join(map(str, batch)),
                    type(error).__name__,
                    error,
                )

    def _next_batch(self) -> list[int]:
        batch = [self.ids.get()]  # waits for the first
        until = time.monotonic() + BATCH_WAIT_SECONDS
        while len(batch) < settings.INBOUND_PARSE_BATCH:
            try:
                batch.append(self.ids.get(timeout=max(0.0, until - time.monotonic())))
            except queue.Empty:
                break
        return batch


_sender: _ParseSender | None = None
_sender_lock = threading.Lock()


def enqueue_parse(inbound_id: int) -> None:
    global _sender
    sender = _sender
    # The lock only when the sender must be started: a lock every request takes is one loaded threads queue on.
    if sender is None or not sender.is_alive():
        with _sender_lock:
            if _sender is None or not _sender.is_alive():
                _sender = _ParseSender()
                _sender.start()
            sender = _sender
    sender.ids.put(inbound_id)


def inbound_email(sender, event, esp_name, **kwargs):
    """anymail's signal, for providers whose view parses the post itself (all but Mailgun's raw MIME)."""
    message = event.message
    inbound_store(
        esp=esp_name.lower(),
        mime=inbound_mail.posted_bytes(message),
        esp_fields={
            "envelope_sender": message.envelope_sender,
            "envelope_recipient": message.envelope_recipient,
            "spam_detected": message.spam_detected,
        },
        enqueue=enqueue_parse,
    )


def tracking_event(sender, event, esp_name, **kwargs):
    delivery_track(
        provider_message_id=event.message_id or "",
        event_type=event.event_type,
        description=event.description or event.mta_response or "",
        at=event.timestamp,
    )


class _Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


class InboundPostMixin:
    """Reads the post itself, before anymail touches ``request.POST``: a reply with a photo is far past
    Django's 2.5 MB form limits, which stay as they are for every other view. Attachments are skipped
    unread (only the text is used), and each field's bytes are kept for charset-exact parsing."""

    def dispatch(self, request, *args, **kwargs):
        try:
            if request.method == "POST":
                _read_post(request)
            # View's dispatch, past anymail's: that one only re-applies csrf_exempt (and login_not_required)
            # through method_decorator, which builds two wrappers on every request to set marks that matter
            # only on the view function (marked below).
            return View.dispatch(self, request, *args, **kwargs)
        except _Refused as refused:
            return HttpResponse(str(refused), status=refused.status, content_type="text/plain")
        except (AnymailConfigurationError, AnymailError) as error:  # (the first is not an AnymailError)
            if isinstance(error, AnymailWebhookValidationFailure):
                raise  # anymail's own answer: 400 through Django's SuspiciousOperation handling
            # A post of the wrong shape (JSON, a store() route, a tracking event): the sender's mistake.
            return HttpResponseBadRequest(f"Unusable webhook post: {error}", content_type="text/plain")

    # What @method_decorator(csrf_exempt) and anymail's login_not_required mark, without their wrappers:
    # as_view() copies these to the view function from here (a subclass's dispatch must set them again).
    dispatch.csrf_exempt = True
    dispatch.login_required = False

    def parse_events(self, request):
        try:
            return super().parse_events(request)
        except (ValueError, KeyError, TypeError, AttributeError) as error:  # the wrong shape: nothing stored yet
            raise _Refused(400, f"Unusable webhook post: {error!r}") from None


def _read_post(request) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise _Refused(400, "Bad Content-Length") from None
    if length > settings.INBOUND_MAX_BYTES:
        raise _Refused(413, f"Larger than {settings.INBOUND_MAX_BYTES} bytes")
    if request.content_type == "multipart/form-data":
        fields = _multipart_fields(request, length)
    else:
        request._body = request.read(length)
        fields = []
        if request.content_type == "application/x-www-form-urlencoded":
            try:
                # latin-1 maps bytes to characters one to one: the fields come back byte-exact.
                pairs = urllib.parse.parse_qsl(
                    request._body.decode("latin-1"),
                    keep_blank_values=True,
                    encoding="latin-1",
                    max_num_fields=settings.INBOUND_MAX_FIELDS,
                )
            except ValueError:
                raise _Refused(400, "Too many form fields") from None
            fields = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in pairs]
    post = QueryDict(mutable=True)
    for name, value in fields:
        post.appendlist(name.decode("utf-8", "replace"), value.decode("utf-8", "replace"))
    post._mutable = False
    # Django's own cache of the parsed form: set, it stops Django parsing the body with its global limits.
    request._post, request._files = post, MultiValueDict()
    request.inbound_fields = fields  # (name, value) bytes as posted, in order


def _multipart_fields(request, length: int) -> list[tuple[bytes, bytes]]:
    boundary = multipart.parse_options_header(request.META.get("CONTENT_TYPE", ""))[1].get("boundary")
    if not boundary:
        raise _Refused(400, "multipart/form-data without a boundary")
    # The library's push parser itself (its MultipartParser's limits, minus the buffering in parts this
    # needs no file objects for): a field's bytes are its body chunks joined; a file's are dropped unkept.
    parser = multipart.PushMultipartParser(
        boundary, content_length=length, max_segment_count=settings.INBOUND_MAX_FIELDS
    )
    fields, segment, chunks = [], None, []
    try:
        with parser:
            for event in parser.parse_blocking(request.read, 1 << 16):
                if isinstance(event, multipart.MultipartSegment):
                    segment, chunks = event, []
                elif event:
                    if segment.filename is None:
                        chunks.append(event)
                elif segment.filename is None and segment.name:
                    fields.append((segment.name.encode(), b"".join(chunks)))
    except multipart.MultipartError as error:
        raise _Refused(400, f"Malformed multipart/form-data: {error}") from None
    return fields


class MailgunInboundView(InboundPostMixin, MailgunInboundWebhookView):
    """Mailgun's forward() route to …/inbound_mime/: anymail checks basic auth and the HMAC signature;
    on top, the signed timestamp must be recent and each token is accepted once."""

    def validate_request(self, request):
        # anymail runs every validate_request in the class chain (this one first, then its own).
        if "body-mime" not in request.POST:
            raise _Refused(400, "Not a raw-MIME post: the route must forward to …/inbound_mime/")
        # What anymail's own parsing would refuse, asked here because the request no longer parses.
        if request.POST.get("event", "inbound") != "inbound" or "attachments" in request.POST:
            raise _Refused(400, "Not a forward() route's post: a tracking event or a store() route")
        signed_at = _signed_at(request.POST.get("timestamp", ""))
        now = timezone.now()
        if signed_at < now - dt.timedelta(seconds=settings.INBOUND_SIGNATURE_MAX_AGE_SECONDS):
            raise AnymailWebhookValidationFailure("Mailgun webhook timestamp is too old")
        if signed_at > now + dt.timedelta(seconds=settings.INBOUND_CLOCK_SKEW_SECONDS):
            raise AnymailWebhookValidationFailure("Mailgun webhook timestamp is in the future")

    def post(self, request, *args, **kwargs):
        """Authenticate (anymail: basic auth and signature; ours: fresh, token unused), store, answer.
        anymail's parsed event is not built here: parsing is the worker's, from the bytes stored."""
        self.run_validators(request)
        signed_at = _signed_at(request.POST["timestamp"])
        token = WebhookToken(
            esp="mailgun",
            token=request.POST["token"],
            digest=hashlib.sha256(repr(sorted(request.inbound_fields)).encode()).hexdigest(),
            expires_at=signed_at + dt.timedelta(seconds=settings.INBOUND_SIGNATURE_MAX_AGE_SECONDS),
        )
        try:
            inbound_store(
                esp="mailgun",
                # The posted bytes (anymail reads the last body-mime too): exact for any charset.
                mime=[value for name, value in request.inbound_fields if name == b"body-mime"][-1],
                esp_fields={
                    "envelope_sender": request.POST.get("sender") or None,
                    "envelope_recipient": request.POST.get("recipient") or None,
                },
                enqueue=enqueue_parse,
                token=token,
            )
        except InboundTokenReused as error:
            raise AnymailWebhookValidationFailure(str(error)) from None
        return HttpResponse()


def _signed_at(timestamp: str) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise _Refused(400, "Mailgun webhook timestamp is not a Unix time") from None


# --- URLs: the configured provider's only ------------------------------------------------------


def webhook_urlpatterns(esp: str | None = None) -> list[URLPattern]:
    """anymail's inbound and tracking URLs for one provider (under the "anymail" namespace)."""
    esp = (esp or settings.INBOUND_ESP).lower()
    if esp == "mailgun":
        inbound = [path("mailgun/inbound_mime/", _view(MailgunInboundView), name="mailgun_inbound_webhook")]
    else:
        inbound = [
            URLPattern(p.pattern, _view(_guarded(p.callback.view_class)), p.default_args, p.name)
            for p in anymail_urls.urlpatterns
            if p.name in (f"{esp}_inbound_webhook", f"{esp}_webhook")
        ]
    tracking = [p for p in anymail_urls.urlpatterns if p.name == f"{esp}_tracking_webhook"]
    return inbound + tracking


def _view(view_class):
    # A mail provider reads these answers, never a browser: no Content-Security-Policy to build for them.
    return csp_exempt()(view_class.as_view())


def _guarded(view_class):
    return type(f"Guarded{view_class.__name__}", (InboundPostMixin, view_class), {})


def _inbound_providers() -> set[str]:
    return {
        p.name.removesuffix("_inbound_webhook")
        for p in anymail_urls.urlpatterns
        if p.name.endswith("_inbound_webhook") and p.name != "sendinblue_inbound_webhook"
    } | {"mandrill"}


@checks.register(checks.Tags.security)
def inbound_credentials_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Production refuses to start with an inbound webhook anyone could post to."""
    esp = settings.INBOUND_ESP
    if esp == "none":
        return []
    if esp not in _inbound_providers():
        return [
            checks.Error(
                f"INBOUND_ESP={esp!r} is not a provider anymail receives mail from.",
                hint=f"Use one of {', '.join(sorted(_inbound_providers()))}, or 'none'.",
                id="core.E102",
            )
        ]
    # Mailgun signs its posts; for the others anymail's basic auth is the only credential.
    needed, variable = (
        ("MAILGUN_WEBHOOK_SIGNING_KEY", "MAILGUN_WEBHOOK_SIGNING_KEY")
        if esp == "mailgun"
        else ("WEBHOOK_SECRET", "ANYMAIL_WEBHOOK_SECRET")
    )
    if not settings.ANYMAIL.get(needed):
        return [
            checks.Error(
                f"Inbound mail from {esp} would be accepted from anyone: its webhook credential is not set.",
                hint=f"Set {variable} (see README, 'Inbound mail').",
                id="core.E101",
            )
        ]
    return []
