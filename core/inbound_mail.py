"""Reading an inbound email: its Message-ID, who sent it, which team address it went to, whether a
machine sent it, and the copy kept for support. Functions over anymail's ``AnymailInboundMessage``,
safe on hostile headers (a malformed value reads as empty, never raises)."""

import hashlib
import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses

from anymail.inbound import AnymailInboundMessage
from django.conf import settings

from core.replies import decode_text

# Support reads the stored copy; a 20 MB pasted log need not be kept whole (the reply is parsed first).
MAX_STORED_RAW_BYTES = 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")
_BLANK_LINE = re.compile(rb"\n\r?\n")  # where a message's headers end at the latest
# The stdlib email parser raises these (and anymail ValueError subclasses) on hostile headers.
MALFORMED = (ValueError, LookupError, IndexError, TypeError, AttributeError, OverflowError)
# Headers some auto-responders set instead of RFC 3834's Auto-Submitted (Yandex, Mail.ru, vacation scripts).
_AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autoresponder")
# The subject auto-responders that set none of those headers give their answer (Outlook's, old Exchange's).
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:Automatic reply|Auto(?:matic)? ?response|Auto-?reply|Out of (?:the )?office|Automatische Antwort"
    r"|Abwesenheitsnotiz|R[ée]ponse automatique|Respuesta autom[áa]tica|Fuera de la oficina|Automatisch antwoord"
    r"|Risposta automatica|Resposta autom[áa]tica|Autosvar|Автоответ|自動応答|自动回复)\s*:",
    re.IGNORECASE,
)


def clean(value) -> str:
    """Text PostgreSQL can store: surrogate-escaped 8-bit bytes decoded, NULs dropped."""
    text = str(value or "")
    if _SURROGATE.search(text):
        text = decode_text(text.encode("utf-8", "surrogateescape"))
    return text.replace("\x00", "")


def headers(mime: bytes) -> AnymailInboundMessage:
    """The headers alone, read as they are (compat32, no header registry): a tenth of a millisecond
    where the full parse takes milliseconds. What the webhook's request reads; the worker parses all.

    Only the bytes up to the first empty line are read: the parser would otherwise split a 20 MB body
    into lines to keep as a payload nobody reads. (Its headers end there at the latest; a line it
    cannot read as a header ends them earlier, and it does so on the shorter input too.)"""
    end = _BLANK_LINE.search(mime)
    return BytesParser(AnymailInboundMessage, policy=compat32).parsebytes(
        mime[: end.end()] if end else mime, headersonly=True
    )


def sender_preview(message) -> str:
    """The From address of a headers-only read, by the stdlib's own address parser (anymail's reading,
    which :func:`sender` gives the worker, builds a header-registry address for each: most of the
    webhook's header work). What the inbound log shows until the worker writes the exact one."""
    try:
        found = getaddresses(message.get_all("From") or [])
    except MALFORMED:
        return ""
    return clean(", ".join(address for _, address in found if address))


def message_id(message, mime: bytes) -> str:
    """The Message-ID that makes a stored message unique; without one, the bytes identify a replay."""
    value = "".join(header(message, "Message-ID").splitlines())  # unfolded, as the full parse reads it
    return value[:255] or f"<sha256-{hashlib.sha256(mime).hexdigest()}@no-message-id>"


def subject_preview(message) -> str:
    """The subject of a headers-only read, its encoded words decoded (the worker stores the exact one)."""
    value = header(message, "Subject")
    try:
        return clean(make_header(decode_header(value)))
    except (*MALFORMED, UnicodeError, HeaderParseError):
        return value


def parse(mime: bytes | None, *, text: str = "") -> AnymailInboundMessage:
    """The whole message, from the bytes as posted (exact for any charset), else from the stored text."""
    if mime is not None:
        return AnymailInboundMessage.parse_raw_mime_bytes(bytes(mime))
    return AnymailInboundMessage.parse_raw_mime(text)


def posted_bytes(message) -> bytes:
    """A message anymail parsed from a provider's post, as bytes to store (providers that post it parsed)."""
    try:
        return message.as_bytes()
    except MALFORMED + (UnicodeError,):
        return str(message.get_payload() if not message.is_multipart() else "").encode("utf-8", "surrogateescape")


def header(message, name: str) -> str:
    try:
        return clean(message.get(name)).strip()
    except MALFORMED:
        return ""


def sender(message) -> tuple[str, str]:
    """(address, why it is unusable or "")."""
    try:
        found = message.from_email
    except MALFORMED:
        return "", "the From header is not a readable address"
    if isinstance(found, list):
        return clean(", ".join(a.addr_spec for a in found)), "the From header names more than one address"
    address = clean(found.addr_spec if found else "")
    if "@" not in address:
        return address, "the From header has no email address"
    if _plain_reading_of_from(message).lower() != address.lower():
        # "bob@example.com <evil@elsewhere>" reads as Bob here and as evil@elsewhere (or both) to the
        # standard parser, mail programs and SPF/DMARC checks: a reply is only taken from one plain reading.
        return address, "the From header reads as different addresses to different mail programs"
    return address, ""


def _plain_reading_of_from(message) -> str:
    """The From addresses as the standard library's plain parser reads the header as sent (the parsed
    message's own headers are already the header registry's reading)."""
    try:
        raw = [value for name, value in message.raw_items() if name.lower() == "from"]
        return clean(", ".join(address for _, address in getaddresses(raw) if address))
    except MALFORMED:
        return ""


def team_recipient(message) -> str:
    domain = "@" + settings.INBOUND_DOMAIN.lower()
    # The envelope first: "To: undisclosed-recipients:;" (Bcc) names nobody, and when the envelope is a
    # team address (as the provider posts it) the headers' addresses need not be parsed at all.
    envelope = clean(message.envelope_recipient or "")
    if envelope.lower().endswith(domain):
        return envelope.lower()
    try:
        listed = [a.addr_spec for a in message.to + message.cc]
    except MALFORMED:
        listed = []
    for address in map(clean, listed):
        if address.lower().endswith(domain):
            return address.lower()
    return envelope.lower()


def is_automated(message) -> bool:
    """Auto-replies, bounces and list mail must never become entries or get an answer (mail loops)."""
    auto = (header(message, "Auto-Submitted") or "no").lower()
    precedence = header(message, "Precedence").lower()
    address = sender(message)[0].lower()
    if getattr(message, "spam_detected", False):  # the ESP's spam verdict (Mailgun's X-Mailgun-Sflag)
        return True
    return (
        auto != "no"
        or precedence in {"bulk", "junk", "list", "auto_reply"}
        or address.startswith(("mailer-daemon@", "postmaster@"))
        or any(header(message, name).lower() not in {"", "no"} for name in _AUTO_REPLY_HEADERS)
        or _AUTO_REPLY_SUBJECT.match(header(message, "Subject")) is not None
        or _content_type(message) == "multipart/report"  # a bounce (DSN) or read receipt (MDN), whoever sent it
    )


def _content_type(message) -> str:
    try:
        return message.get_content_type()
    except MALFORMED:
        return ""


def support_copy(message) -> str:
    """The message as text for support, attachments replaced by a note (they are never used).
    Replaces them in ``message`` itself: read the body first."""
    for part in message.walk():
        if part.is_multipart() or (part.get_content_maintype() == "text" and not part.is_attachment()):
            continue
        size = len(str(part.get_payload()))
        del part["Content-Transfer-Encoding"]
        part.set_payload(f"(attachment not stored: {size} bytes)")
    try:
        data = message.as_bytes()
    except MALFORMED + (UnicodeError,):
        data = str(message.get_payload() if not message.is_multipart() else "").encode("utf-8", "surrogateescape")
    if len(data) > MAX_STORED_RAW_BYTES:
        data = data[:MAX_STORED_RAW_BYTES] + f"\n(truncated: {len(data)} bytes in all)\n".encode()
    return clean(decode_text(data))


def is_truncated(raw: str) -> bool:
    return raw.endswith(" bytes in all)\n") and "\n(truncated: " in raw[-80:]
