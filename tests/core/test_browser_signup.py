"""Signing up, creating a team and posting in a real browser: sign up, create a team, post, see it."""

import pytest

from tests.browser import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_signs_up_creates_a_team_and_posts_in_a_browser(page):
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "erin@example.com")
    page.fill("input[name=full_name]", "Erin")
    page.fill("input[name=password1]", "a-long-password-9")
    page.fill("input[name=password2]", "a-long-password-9")
    page.click("main button[type=submit]")
    page.fill("input[name=name]", "Browser crew")
    page.click("main button[type=submit]")
    page.fill("textarea[name=text]", "! waiting on review")
    page.click("form:has(textarea) button[type=submit]")
    page.wait_for_selector("text=waiting on review")
    assert page.locator("[data-kind=blocker]").count() == 1
    screenshot(page, "signup-team-day")
