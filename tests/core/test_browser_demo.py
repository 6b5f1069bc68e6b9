"""The demo data in a real browser: screenshots of a lived-in team, and a check that the
pages hold up with weeks of history (the run command seeds a month)."""

import datetime as dt

import pytest
from django.core.management import call_command

from core.localtime import today_for
from core.models import Team, User
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

    # The fortnight of history may straddle two months (it does early in every month), and each
    # member's history ends on their own today, up to a day either side of Alice's, so the days
    # with dones are counted over every month those days touch.
    today = today_for(User.objects.get(email="alice@example.com"))
    months = sorted({(today + dt.timedelta(days=d)).strftime("%Y-%m") for d in range(-15, 2)})
    days_with_dones = 0
    for month in months:
        page.goto(f"/t/{team.hash_id}/calendar/?month={month}")
        days_with_dones += page.locator("td .count.done").count()
    assert days_with_dones >= 8
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
