"""The demo data in a real browser: screenshots of a lived-in team, and a check that the
pages hold up with weeks of history (the run command seeds a month)."""

import pytest
from django.core.management import call_command

from core.models import Team
from tests.browser import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_shows_weeks_of_demo_history(page):
    call_command("seed_demo", "--days", "14")
    team = Team.objects.get(name="Demo team")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "alice@example.com")
    page.fill("input[name=password]", "demo-password-1")
    page.click("main button[type=submit]")
    page.wait_for_selector("form.post")
    assert page.locator("section.member").count() >= 5
    screenshot(page, "demo-team-day")

    page.goto(f"/t/{team.hash_id}/calendar/")
    assert page.locator("td .count.done").count() >= 8
    screenshot(page, "demo-calendar")

    page.goto(f"/t/{team.hash_id}/stats/?days=30")
    assert page.locator(".bars-h li").count() == 8
    screenshot(page, "demo-stats")

    page.goto(f"/t/{team.hash_id}/")
    page.locator("a.tag").first.click()
    page.wait_for_selector("h1 .tag")
    screenshot(page, "demo-tag")

    page.goto(f"/t/{team.hash_id}/members/")
    screenshot(page, "demo-members")
