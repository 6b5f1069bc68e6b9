"""The Content-Security-Policy in a real browser: every main page of the app and the portal loads
with no violation (no inline script, handler or style left anywhere), and the policy is enforced."""

import pytest
from django_celery_beat.models import CrontabSchedule

from core.services.entries import entries_create_from_lines
from core.services.hooks import hook_create
from core.services.social import comment_create, like_toggle
from ops.selectors.maintenance import maintenance_forget
from ops.services.maintenance import maintenance_set
from tests.ops.conftest import _staff

pytestmark = pytest.mark.django_db(transaction=True)

# Collected in the page itself (Playwright's init script is not subject to the page's policy).
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
"""


class Violations:
    def __init__(self, page):
        self.page, self.seen = page, []
        page.add_init_script(LISTEN)
        page.on("console", lambda msg: "Content Security Policy" in msg.text and self.seen.append(msg.text))

    def visit(self, path: str, *, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response.status == status, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        self.page.wait_for_load_state("networkidle")
        self.seen += [f"{path}: {v}" for v in self.page.evaluate("window.__csp")]


def _a_busy_team(alice, bob, team):
    entries = entries_create_from_lines(
        author=alice, team=team, text="shipped the #launch page\n[ ] write docs\n! blocked on @bob"
    )
    comment_create(entry=entries[0], author=bob, text="Nice work @alice")
    like_toggle(user=bob, entry=entries[0])
    return entries[0]


def test_it_loads_every_main_page_without_a_csp_violation(page, alice, bob, team, settings):
    entry = _a_busy_team(alice, bob, team)
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    hook = hook_create(actor=alice, team=team, target_url="http://127.0.0.1:9/hook")
    watch = Violations(page)
    for path in ("/", "/accounts/login/", "/accounts/signup/", "/accounts/password_reset/", "/admin/login/"):
        watch.visit(path)

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "alice@example.com")
    page.fill("input[name=password]", "alice-password-1")
    page.click("main button[type=submit]")
    page.wait_for_url("**/t/**")
    t = f"/t/{team.hash_id}"
    for path in (
        f"{t}/",
        f"{t}/calendar/",
        f"{t}/stats/",
        f"{t}/u/{alice.hash_id}/",
        f"{t}/tags/launch/",
        f"{t}/search/?q=docs",
        f"{t}/members/",
        f"{t}/settings/",
        f"{t}/settings/hooks/",
        f"{t}/settings/hooks/{hook.hash_id}/",
        f"/e/{entry.hash_id}/",
        "/u/settings/",
        "/notifications/",
        f"/o/{team.organization.hash_id}/",
        "/teams/",
        "/teams/new/",
    ):
        watch.visit(path)
    watch.visit("/no-such-page/", status=404)
    # The delete confirmation moved from an inline handler to app.js: it still asks, and "no" keeps the entry.
    page.goto(f"/e/{entry.hash_id}/")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("text=Delete entry")
    assert asked == ["Delete this entry?"]
    assert page.url.endswith(f"/e/{entry.hash_id}/")
    assert watch.seen == []


def test_it_loads_the_portal_pages_and_the_maintenance_page_without_a_csp_violation(page):
    root = _staff("root@idonethis.test", superuser=True)
    crontab = CrontabSchedule.objects.create(minute="17", hour="3")
    watch = Violations(page)
    page.goto("/admin/login/?next=/admin/")
    page.fill("input[name=username]", root.email)
    page.fill("input[name=password]", "portal-password-1")
    page.click("input[type=submit]")
    page.wait_for_selector("#ops-dashboard")
    for path in (
        "/admin/",
        "/admin/ops/dynos/",
        "/admin/ops/database/",
        "/admin/ops/maintenance/",
        "/admin/ops/celery/",
        "/admin/ops/tasks/stats/",
        "/admin/core/user/",
        f"/admin/core/user/{root.pk}/change/",
        "/admin/core/user/add/",
        "/admin/core/team/",
        "/admin/core/entry/",
        "/admin/django_celery_beat/periodictask/",
        "/admin/django_celery_results/taskresult/",
        "/admin/django_celery_beat/periodictask/add/",
        "/admin/core/delivery/",
        "/admin/core/inboundmessage/",
        "/admin/ops/heartbeat/",
        "/admin/password_change/",
        "/admin/ops/auditrecord/",
    ):
        watch.visit(path)
    # django-celery-beat's crontab-in-words, moved from its inline script to a file, still works.
    page.goto("/admin/django_celery_beat/periodictask/add/")
    page.select_option("#id_crontab", label=str(crontab))
    assert "Translation: At 03:17" in page.inner_text(".field-crontab .help")
    maintenance_set(actor=root, enabled=True, message="Back at ten")
    try:
        watch.visit("/", status=503)
    finally:
        maintenance_set(actor=root, enabled=False)
        maintenance_forget()
    assert watch.seen == []
