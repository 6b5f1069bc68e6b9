"""Hostile and odd input to every portal page, as the roles that may open it: bad filter values, unknown
lookups, sort columns and pages past the end, bad primary keys, odd search terms, and the support
actions' parameters. Each answers 4xx or a clear page, never a 500."""

from urllib.parse import unquote

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.ops.conftest import client_for
from tests.ops.test_role_matrix import samples  # noqa: F401  (fixture: one row per model the portal lists)

pytestmark = pytest.mark.django_db

ODD_QUERIES = [
    "state=<script>alert(1)</script>",
    "status=<script>",
    "id__gt=x",
    "id=abc",
    "pk__in=1,x",
    "o=999",
    "o=-1.x",
    "o=abc",
    "p=99999",
    "p=-1",
    "p=abc",
    "q=%00",
    "q=%27%22%3C%3E",
    "q=" + "a" * 3000,
    "q=%25",
    "q=<m@x",
    "q=\\",
    "all=",
    "_to_field=password",
    "_popup=1&_to_field=id",
    "created_at__gte=notadate",
    "created_at__day=99",
    "date_done__gte=yesterday",
    "action=%00",
    "outcome=nonsense",
    "e=1",
    "kind=%ff",
    "received_at__lt=2026-13-45",
    "done=forever",
    "esp=%00",
    "team=abc",
    "user__id__exact=x",
]
BAD_PKS = ["999999", "abc", "0", "-1", "1%00", "%27", "99999999999999999999999", "%ff"]


def _changelists():
    return [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry
    ]


def _object_urls(pk: str):
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        base = reverse(f"{prefix}_changelist")
        for suffix in ("change/", "history/", "delete/"):
            yield f"{base}{pk}/{suffix}"


@pytest.fixture
def clients(samples, sam, dev, root):  # noqa: F811
    clients = {"support": client_for(sam), "developer": client_for(dev), "superuser": client_for(root)}
    for client in clients.values():
        client.raise_request_exception = False  # a 500 is a status to report, with every other one
    return clients


def test_it_never_answers_a_changelist_with_odd_parameters_with_a_500(clients):
    problems = []
    for url in _changelists():
        for query in ODD_QUERIES:
            for role, client in clients.items():
                status = client.get(f"{url}?{query}").status_code
                if status >= 500:
                    problems.append(f"{role} GET {url}?{query[:60]}: {status}")
    assert not problems, "\n".join(problems)


def test_it_never_answers_a_bad_primary_key_with_a_500(clients):
    problems = []
    for pk in BAD_PKS:
        for url in _object_urls(pk):
            for role, client in clients.items():
                response = client.get(url)
                if response.status_code >= 500:
                    problems.append(f"{role} GET {url}: {response.status_code}")
    assert not problems, "\n".join(problems)

PAGE_QUERIES = {
    "ops_find": ["q=%00", "q=ab%00", "q=" + "x" * 5000, "q=<script>", "q=@", "q=%25%25", "q=%5C"],
    "ops_celery": ["queue=%00", "queue=<script>", "queue=" + "q" * 500, "details=1&refresh=1", "queue=_kombu.x"],
    "ops_queue_purge": ["queue=%00", "queue=<script>", "queue=no-such-queue&typed=no-such-queue",
                        "queue=_kombu.binding.celery&typed=_kombu.binding.celery"],
    "ops_task_revoke_by_id": ["task_id=%00", "task_id=<x>", "task_id="],
    "ops_support_resend": ["delivery=%00", "delivery=abc", "delivery=999999", "delivery=-1"],
    "ops_support_emails": ["membership=%00&change=pause", "membership=x&change=explode", "change=%00"],
    "ops_support_invitation": ["invitation=%00", "invitation=abc"],
    "ops_support_password_reset": ["user=%00", "user=abc", "user=" + "u" * 300],
    "ops_support_unlock": ["user=%00", "user=%27"],
    "ops_support_reprocess": ["inbound=%00", "inbound=abc"],
    "ops_support_redeliver_webhook": ["delivery=%00", "delivery=abc"],
    "ops_database_cancel": ["pid=%00", "pid=abc", "pid=99999999999999999999"],
    "ops_database_end_idle_session": ["pid=%00", "pid=-5"],
    "ops_database_terminate": ["pid=%00"],
    "ops_maintenance_set": ["enabled=on&retry_after=abc", "message=%00"],
    "ops_heroku_restart": ["dyno=%00", "dyno=../../x"],
    "ops_heroku_scale": ["process_type=web&quantity=abc", "process_type=%00"],
    "ops_dynos": ["x=%00"],
    "ops_formation": ["web=abc&worker=-1", "web=99999999999999999999", "nonsense=1", "web=%00"],
    "ops_database": ["x=%00"],
    "ops_task_stats": ["x=%00"],
}
HASHED_PAGES = ["ops_person", "ops_team"]
PK_PAGES = ["ops_inbound", "ops_webhook_delivery"]


def test_it_never_answers_a_portal_page_with_odd_parameters_with_a_500(clients):
    problems = []
    for name, queries in PAGE_QUERIES.items():
        url = reverse(f"admin:{name}")
        for query in queries:
            for role, client in clients.items():
                for method in (client.get, client.post):
                    body = {k: unquote(v) for k, v in (pair.split("=", 1) for pair in query.split("&") if "=" in pair)}
                    response = client.get(f"{url}?{query}") if method == client.get else client.post(url, body)
                    if response.status_code >= 500:
                        problems.append(f"{role} {method.__name__.upper()} {url} {query[:60]}: {response.status_code}")
    for name in HASHED_PAGES:
        for key in ("nosuchhash", "%00", "a" * 300, "%27%22"):
            url = reverse(f"admin:{name}", args=["x"]).replace("/x/", f"/{key}/")
            for role, client in clients.items():
                status = client.get(url).status_code
                if status >= 500:
                    problems.append(f"{role} GET {url}: {status}")
    for name in PK_PAGES:
        for key in ("999999", "99999999999999999999"):
            url = reverse(f"admin:{name}", args=[1]).replace("/1/", f"/{key}/")
            for role, client in clients.items():
                status = client.get(url).status_code
                if status >= 500:
                    problems.append(f"{role} GET {url}: {status}")
    for key in ("999999", "abc", "%00", "99999999999999999999"):
        for action in ("retry", "revoke"):
            url = reverse("admin:django_celery_results_taskresult_changelist") + f"{key}/{action}/"
            for role, client in clients.items():
                for status in (client.get(url).status_code, client.post(url, {"confirmed": "yes"}).status_code):
                    if status >= 500:
                        problems.append(f"{role} {url}: {status}")
    assert not problems, "\n".join(problems)


def test_it_answers_a_nul_byte_in_a_filter_a_search_or_a_path_with_a_400(clients):
    client = clients["support"]
    assert client.get(reverse("admin:ops_auditrecord_changelist") + "?action=%00").status_code == 400
    assert client.get(reverse("admin:core_inboundmessage_changelist") + "?esp=%00").status_code == 400
    assert client.get(reverse("admin:core_delivery_changelist") + "?to_email=a%00").status_code == 400
    assert client.get(reverse("admin:ops_find") + "?q=ab%00").status_code == 400
    assert client.get(reverse("admin:ops_person", args=["x"]).replace("/x/", "/%00/")).status_code == 400


def test_it_answers_a_task_action_on_a_key_that_is_no_number_with_a_404(clients):
    for action in ("retry", "revoke"):
        url = reverse("admin:django_celery_results_taskresult_changelist") + f"abc/{action}/"
        assert clients["developer"].get(url).status_code == 404
        assert clients["developer"].post(url, {"confirmed": "yes"}).status_code == 404


SITE_QUERIES = [
    ("admin:autocomplete", "app_label=core&model_name=user&field_name=password&term=a"),
    ("admin:autocomplete", "app_label=core&model_name=membership&field_name=user&term=%27"),
    ("admin:autocomplete", "app_label=nope&model_name=x&field_name=y"),
    ("admin:autocomplete", "term=a&page=abc"),
    ("admin:jsi18n", "language=%ff"),
]


def test_it_never_answers_the_sites_own_endpoints_with_odd_parameters_with_a_500(clients):
    problems = []
    for name, query in SITE_QUERIES:
        for role, client in clients.items():
            status = client.get(f"{reverse(name)}?{query}").status_code
            if status >= 500:
                problems.append(f"{role} {name}?{query}: {status}")
    for ct, pk in (("999999", "1"), ("abc", "1"), ("1", "abc"), ("1", "999999")):
        for role, client in clients.items():
            status = client.get(f"/admin/r/{ct}/{pk}/").status_code
            if status >= 500:
                problems.append(f"{role} /admin/r/{ct}/{pk}/: {status}")
    assert not problems, "\n".join(problems)


GARBAGE_FORMS = {
    "core_user": {"full_name": "x" * 5000, "nickname": "<script>", "time_zone": "Mars/Olympus",
                  "email_on_comment": "maybe", "add_address": "not-an-address", "is_staff": "on"},
    "core_team": {"name": "", "visibility": "everyone!", "carry_over_goals": "x", "reminder_prompt": "p" * 5000},
    "core_membership": {"role": "emperor", "reminder_days": ["9", "x"], "reminder_time": "25:99",
                        "digest_days": "%00", "digest_time": "noon", "emails_throttled": "on"},
    "django_celery_beat_periodictask": {"name": "", "task": "", "interval": "abc", "args": "[not json",
                                        "kwargs": "{", "enabled": "on", "expires": "tomorrow"},
}


def test_it_answers_garbage_in_a_change_form_with_the_form_not_a_500(clients, samples):  # noqa: F811
    from django.apps import apps

    problems = []
    for prefix, data in GARBAGE_FORMS.items():
        app_label, model_name = prefix.split("_", 1) if not prefix.startswith("django_") else \
            prefix.rsplit("_", 1)
        model = apps.get_model(app_label, model_name)
        pk = next(pk for cls, pk in samples.items() if issubclass(cls, model))
        url = reverse(f"admin:{prefix}_change", args=[pk])
        for role, client in clients.items():
            response = client.post(url, {k: v for k, v in data.items() if "%00" not in v})
            if response.status_code >= 500:
                problems.append(f"{role} POST {url}: {response.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("changelist", ["admin:core_delivery_changelist", "admin:core_user_changelist",
                                        "admin:django_celery_results_taskresult_changelist",
                                        "admin:ops_auditrecord_changelist"])
def test_it_says_which_filter_it_could_not_use_and_never_claims_a_database_error(clients, changelist):
    url = reverse(changelist)
    client = clients["support"]
    for query in ("id__gt=x", "created_at__gte=notadate", "e=1&id__gt=x", "no_such_column=1"):
        response = client.get(f"{url}?{query}")
        assert (response.status_code, response["Location"]) == (302, url), query
        page = client.get(url).content.decode()
        assert "cannot be filtered by" in page and query.removeprefix("e=1&") in page, query
        assert "Database error" not in client.get(f"{url}?{query}", follow=True).content.decode()


def test_it_answers_a_resend_of_an_email_that_is_no_members_reminder_or_digest_with_a_message(clients, alice):
    from core.models import Delivery

    verification = Delivery.objects.get(user=alice, membership=None, kind=Delivery.Kind.VERIFICATION)
    url = reverse("admin:ops_support_resend")
    client = clients["support"]
    for send in (client.get, client.post):
        response = send(url, {"delivery": verification.pk, "confirmed": "yes"})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "delivery: Only a member&#x27;s reminder or digest is resent here." in page and "&amp;#x27;" not in page
    assert not Delivery.objects.filter(resend_of=verification).exists()


def test_it_says_what_is_missing_instead_of_asking_an_empty_question(clients):
    client = clients["support"]
    response = client.get(reverse("admin:ops_support_resend"), {"delivery": "abc"})
    assert response.status_code == 302
    assert "Nothing done" in client.get(response["Location"]).content.decode()
