"""The portal in a real browser (headless Chromium): dashboard, dynos, database, maintenance, roles.

Screenshots: ops-*.png (see tests/browser.py).
"""

import psycopg
import pytest

from ops.roles import DEVELOPER, SUPPORT
from tests import processes
from tests.browser import screenshot
from tests.conftest import ON_POSTGRES
from tests.ops.conftest import _staff, heartbeat

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, user) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", "portal-password-1")
    page.click("input[type=submit]")
    page.wait_for_selector("#ops-dashboard")


def _formation_with_a_stale_duplicate_beat() -> None:
    heartbeat("web.1", "web", threads=90, busy_threads=3, rss_bytes=180 * 2**20,
              stats={"requests_last_minute": 118, "p50_ms": 14.2, "p95_ms": 96.0,
                     "pool": {"mode": "pool", "pool_min": 2, "pool_max": 20, "pool_size": 4, "pool_available": 2}})
    heartbeat("web.2", "web", threads=90, busy_threads=90, rss_bytes=610 * 2**20,
              stats={"requests_last_minute": 301, "p50_ms": 850.0, "p95_ms": 4200.0,
                     "pool": {"mode": "pool", "pool_min": 2, "pool_max": 20, "pool_size": 20, "pool_available": 0,
                              "requests_waiting": 7}})
    heartbeat("worker.1", "worker", concurrency=2, busy_threads=1, rss_bytes=150 * 2**20,
              stats={"active_tasks": ["scheduled.heartbeat_sweep"], "pool": {"mode": "pool", "pool_min": 2,
                                                                             "pool_max": 20, "pool_size": 2}})
    heartbeat("beat.1", "beat", rss_bytes=90 * 2**20, stats={"pool": {"mode": "pool", "pool_min": 2, "pool_max": 20}})
    heartbeat("beat.2", "beat", age_seconds=120, rss_bytes=90 * 2**20)


def test_it_shows_the_dashboard_and_the_dynos_page_with_a_stale_duplicate_beat(page):
    root = _staff("root@idonethis.test", superuser=True)
    _formation_with_a_stale_duplicate_beat()
    _log_in(page, root)
    assert page.locator('[data-tile="beat"]').get_attribute("data-status") == "red"
    assert page.locator('[data-tile="dynos"] .value').inner_text() == "4 / 3"
    screenshot(page, "ops-dashboard")
    page.click('[data-tile="dynos"]')
    page.wait_for_selector("#dyno-warnings")
    warnings = page.locator("#dyno-warnings").inner_text()
    assert "More than one beat (beat.1, beat.2)" in warnings
    assert "beat.2 is stale" in warnings
    assert "web.2: all 90 threads busy" in warnings and "web.2 uses 610 MiB" in warnings
    assert page.locator('tr[data-dyno="beat.2"]').get_attribute("data-state") == "stale"
    screenshot(page, "ops-dynos")


def test_it_shows_the_database_page_with_a_session_to_terminate(page):
    root = _staff("root@idonethis.test", superuser=True)
    _formation_with_a_stale_duplicate_beat()
    _log_in(page, root)
    if not ON_POSTGRES:
        page.goto("/admin/ops/database/")
        assert "Embedded" in page.locator("[data-embedded]").inner_text()
        screenshot(page, "ops-database-embedded")
        return
    other = psycopg.connect(processes.test_database_url(), application_name="reporting-job")
    try:
        other.execute("SELECT count(*) FROM ops_heartbeat")  # and then it just sits in its transaction
        pid = other.info.backend_pid
        page.goto("/admin/ops/database/")
        assert page.locator("[data-budget-fits]").count() == 1
        assert page.locator(f'tr[data-pid="{pid}"]').get_attribute("data-state") == "idle in transaction"
        screenshot(page, "ops-database")
        page.click(f'[data-terminate="{pid}"]')
        assert f"Terminate session pid {pid}?" in page.locator("[data-question]").inner_text()
        page.click("[data-confirm]")
        page.wait_for_selector(f"text=Session pid {pid} terminated.")
        processes.wait_for(lambda: page.reload() and page.locator(f'tr[data-pid="{pid}"]').count() == 0,
                           timeout=10, what="the session to leave the list")
    finally:
        other.close()  # already terminated by the portal: closing must not try to commit


@pytest.mark.parametrize(
    ("role", "allowed", "forbidden"),
    [
        (SUPPORT, "/admin/ops/dynos/", "/admin/ops/database/"),
        (DEVELOPER, "/admin/ops/database/", "/admin/ops/maintenance/"),
        ("superuser", "/admin/ops/maintenance/", None),
    ],
)
def test_it_gives_each_role_its_page_and_a_403_for_the_next(page, role, allowed, forbidden):
    user = _staff(f"{role.lower()}@idonethis.test", superuser=role == "superuser",
                  group=None if role == "superuser" else role)
    _log_in(page, user)
    assert page.goto(allowed).status == 200
    if forbidden:
        assert page.goto(forbidden).status == 403
    else:
        screenshot(page, "ops-role-superuser-maintenance")
