"""Every portal URL (everything the admin site's ``get_urls()`` mounts), as each role: the expected
status, and never a 500. Expected statuses come from the roles as declared in ``ops/roles.py``:
a role holding the permission a URL needs gets the page (200, a redirect, or 405 for a POST-only action),
one without gets 403, people who are not staff are sent to the login page.
"""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import URLResolver, reverse
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from django_celery_results.models import GroupResult, TaskResult

from core.models import Delivery, Entry, Hook, InboundMessage, Invitation, Membership, Team, User, WebhookDelivery
from ops.admin.pages import PAGES
from ops.models import AuditRecord
from ops.roles import DEVELOPER, ROLES, SUPERUSER, SUPPORT
from tests.ops.conftest import client_for, heartbeat
from tests.ops.test_task_history import task_result

pytestmark = pytest.mark.django_db

STANDARD = {"changelist": "view", "change": "view", "history": "view", "add": "add", "delete": "delete"}
# URLs every staff member may open whatever their role, or whose answer depends on more than a permission:
# checked for "no 500" and "not staff → login" only.
SITE_WIDE = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
}
OBJECT_OF = {
    "ops_task_retry": TaskResult,
    "ops_task_revoke": TaskResult,
    "auth_user_password_change": User,
    "ops_inbound": InboundMessage,
    "ops_webhook_delivery": WebhookDelivery,
}
HASHED = {"ops_person": User, "ops_team": Team}  # support pages address people and teams by their hash
# Support actions take what they act on as query parameters: a GET renders their confirmation page.
QUERY_OF = {
    "ops_support_resend": lambda s: {"delivery": s[Delivery]},
    "ops_support_emails": lambda s: {"membership": s[Membership], "change": "pause"},
    "ops_support_invitation": lambda s: {"invitation": s[Invitation]},
    "ops_support_password_reset": lambda s: {"user": User.objects.get(pk=s[User]).hash_id},
    "ops_support_reprocess": lambda s: {"inbound": s[InboundMessage]},
    "ops_support_unlock": lambda s: {"user": User.objects.get(pk=s[User]).hash_id},
    "ops_support_redeliver_webhook": lambda s: {"delivery": s[WebhookDelivery]},
}
EXTRA_PERMISSIONS = {
    "ops_task_retry": "ops.retry_task",
    "ops_task_revoke": "ops.retry_task",
    "auth_user_password_change": SUPERUSER,  # staff never set a person's password
}


def _walk(patterns):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns)
        elif entry.name:
            yield entry


def _needed_permission(name: str) -> str | None:
    """The permission a URL needs, from PAGES, the ModelAdmin's model, or the few extra ones."""
    pages = {page.name: page.permission for page in PAGES}
    if name in pages:
        return pages[name]
    if name in EXTRA_PERMISSIONS:
        return EXTRA_PERMISSIONS[name]
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix) and name[len(prefix) :] in STANDARD:
            return f"{model._meta.app_label}.{STANDARD[name[len(prefix) :]]}_{model._meta.model_name}"
    raise AssertionError(f"the matrix does not know which permission admin:{name} needs: add it")


def _granted(role: str, permission: str) -> bool:
    if role == "superuser":
        return True
    if role not in ROLES or permission == SUPERUSER:
        return False
    granted = set(ROLES[role])
    app, _, codename = permission.partition(".")
    if codename.startswith("view_"):  # the admin lets change stand in for view
        return permission in granted or f"{app}.change_{codename[5:]}" in granted
    return permission in granted


@pytest.fixture
def samples(team, alice, bob):
    """One row per model the portal lists, so change, history and delete pages render a real object."""
    membership = Membership.objects.get(team=team, user=bob)
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    crontab, _ = CrontabSchedule.objects.get_or_create(minute="0", hour="7")
    rows = [
        Delivery.objects.create(
            membership=membership,
            kind=Delivery.Kind.REMINDER,
            local_date=dt.date(2026, 11, 26),
            claimed_at=timezone.now(),
            status=Delivery.Status.SENT,
            to_email="bob@example.com",
        ),
        InboundMessage.objects.create(
            message_id="<m@x>", received_at=timezone.now(), from_email="bob@example.com", raw=""
        ),
        AuditRecord.objects.create(actor_label="system", action="test.sample"),
        heartbeat("web.1", "web"),
        task_result(status="FAILURE"),
        PeriodicTask.objects.create(name="sample", task="scheduled.ops_echo", interval=every),
        Entry.objects.create(team=team, author=bob, text="shipped", occurred_on=dt.date(2026, 11, 26)),
        ClockedSchedule.objects.create(clocked_time=timezone.now()),
        SolarSchedule.objects.create(event="sunrise", latitude=48.85, longitude=2.35),
        GroupResult.objects.create(group_id="sample-group"),
        Group.objects.get(name=SUPPORT),
        Invitation.objects.create(
            organization=team.organization,
            email="dora@example.com",
            invited_by=alice,
            expires_at=timezone.now() + dt.timedelta(days=7),
        ),
        every,
        crontab,
        hook := Hook.objects.create(team=team, user=alice, target_url="https://hooks.example.com/idt"),
        WebhookDelivery.objects.create(
            hook=hook, team=team, target_url=hook.target_url, event="entry_created", body="[]"
        ),
        team,
        bob,
        membership,
    ]
    return {type(row): row.pk for row in rows}


def _url(entry, samples: dict) -> str:
    name = entry.name
    kwargs = {}
    converters = set(entry.pattern.converters) | set(entry.pattern.regex.groupindex)
    if name in HASHED:
        return reverse(f"admin:{name}", args=[HASHED[name].objects.get(pk=samples[HASHED[name]]).hash_id])
    if name in QUERY_OF:
        return f"{reverse(f'admin:{name}')}?{urlencode(QUERY_OF[name](samples))}"
    if "object_id" in converters or "id" in converters or "pk" in converters:
        model = OBJECT_OF.get(name) or next(
            (m for m in admin.site._registry if name.startswith(f"{m._meta.app_label}_{m._meta.model_name}_")), None
        )
        pk = next((pk for cls, pk in samples.items() if model is not None and issubclass(cls, model)), 999_999)
        if name == "view_on_site":
            kwargs = {"content_type_id": ContentType.objects.get_for_model(Entry).pk, "object_id": samples[Entry]}
        else:
            kwargs = {next(key for key in ("object_id", "id", "pk") if key in converters): pk}
    if "app_label" in converters:
        kwargs = {"app_label": "ops"}
    return reverse(f"admin:{name}", kwargs=kwargs)


def test_it_answers_every_portal_url_as_each_role_expects_and_never_500(samples, sam, dev, root, stan, alice):
    people = {SUPPORT: sam, DEVELOPER: dev, "superuser": root, "staff without role": stan, "not staff": alice}
    clients = {role: client_for(user) for role, user in people.items()}
    login = reverse("admin:login")
    problems = []
    entries = list(_walk(admin.site.get_urls()))
    assert len(entries) > 100  # every page, every model's five views, the site's own
    # A support action opened without what it acts on would only show an empty question: name its sample.
    unsampled = {e.name for e in entries if e.name.startswith("ops_support_")} - set(QUERY_OF)
    assert not unsampled, f"add sample query arguments to QUERY_OF for {unsampled}"
    for entry in entries:
        url = _url(entry, samples)
        statuses = {role: client.get(url).status_code for role, client in clients.items()}
        for role, status in statuses.items():
            if status >= 500:
                problems.append(f"{role} GET {url}: {status}")
        redirect = clients["not staff"].get(url)
        if entry.name not in ("login", "logout") and not (
            redirect.status_code == 302 and redirect["Location"].startswith(login)
        ):
            problems.append(f"not staff GET {url}: {redirect.status_code}, not sent to the login")
        if entry.name in SITE_WIDE:
            continue
        permission = _needed_permission(entry.name)
        everyone_refused = statuses["superuser"] == 403  # the ModelAdmin offers it to nobody (read-only)
        for role in (SUPPORT, DEVELOPER, "superuser", "staff without role"):
            allowed = _granted(role, permission) and not everyone_refused
            status = statuses[role]
            if allowed and status not in (200, 302, 405):  # 405: an action that only takes a POST
                problems.append(f"{role} GET {url} ({permission}): {status}, expected the page")
            if not allowed and status != 403:
                problems.append(f"{role} GET {url} ({permission}): {status}, expected 403")
    assert not problems, "\n".join(problems)
