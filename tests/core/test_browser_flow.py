"""The whole product in a real browser, two people side by side: sign up, create a team, invite,
post, mark a goal done, like and comment, search, calendar, stats, export. Takes the README's screenshots."""

import pytest

from core.models import Entry, Invitation
from tests.browser import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_up(page, email, name, password="a-long-password-9"):
    page.fill("input[name=email]", email)
    page.fill("input[name=full_name]", name)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.click("main button[type=submit]")


def _post(page, text):
    page.fill("textarea[name=text]", text)
    page.click("form.post button[type=submit]")


def test_it_runs_the_whole_team_loop_in_a_browser(page, chromium, live_server):
    page.goto("/")
    screenshot(page, "landing")
    page.click("text=Sign up free")
    _sign_up(page, "alice@example.com", "Alice Archer")
    page.fill("input[name=name]", "Launch crew")
    page.click("main button[type=submit]")
    page.wait_for_selector("form.post")

    page.click(".team-nav >> text=Members")
    page.fill("input[name=email]", "bob@example.com")
    page.click("text=Send invitation")
    page.wait_for_selector("text=Invitation sent to bob@example.com")
    screenshot(page, "members")
    code = Invitation.objects.get(email="bob@example.com").code

    bob_context = chromium.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    bob = bob_context.new_page()
    bob.set_default_timeout(15_000)
    try:
        bob.goto(f"/invitations/{code}/")
        bob.click("text=Sign up to accept")
        assert bob.input_value("input[name=email]") == "bob@example.com"
        _sign_up(bob, "bob@example.com", "Bob Baker")
        bob.click("button:has-text('Accept')")
        bob.wait_for_selector("form.post")

        page.click(".team-nav >> text=Day")
        # Posting, liking and marking done swap the page in place: a marker on window survives them.
        page.evaluate("window.__noReload = true")
        _post(page, "[x] Shipped the landing page #launch\n[ ] Write the docs #launch\n! Waiting on DNS")
        page.wait_for_selector("text=Waiting on DNS")
        _post_and_wait(bob, "[x] Reviewed the launch copy with @alice\n[ ] Book the demo room\n! Need design sign-off")

        # Mark the goal done without a page reload: the button turns into "Undo" in place.
        goal = page.locator("li.entry.goal", has_text="Write the docs")
        goal.locator("button:has-text('Mark done')").click()
        goal.locator("button:has-text('Undo')").wait_for()
        assert Entry.objects.get(kind="goal", text="Write the docs #launch").completed_on is not None
        assert page.evaluate("window.__noReload") is True

        bob.reload()
        bob.evaluate("window.__noReload = true")
        shipped = bob.locator("li.entry.done", has_text="Shipped the landing page")
        shipped.locator("button.like").click()
        bob.locator("li.entry.done", has_text="Shipped the landing page").locator("button.liked").wait_for()
        assert bob.evaluate("window.__noReload") is True
        bob.locator("li.entry.done", has_text="Shipped the landing page").locator("a[title=Permalink]").click()
        bob.fill("textarea[name=text]", "Congrats @alice!")
        bob.click("button:has-text('Comment')")
        bob.wait_for_selector("#comments >> text=Congrats")
        screenshot(bob, "mobile-entry")
        bob.goto("/")
        screenshot(bob, "mobile-team-day")
    finally:
        bob_context.close()

    page.reload()
    assert page.locator("header .badge").inner_text() == "3"  # bob's mention, like and comment
    screenshot(page, "team-day")
    page.click("header >> text=Notifications")
    screenshot(page, "notifications")
    page.click("a:has-text('Shipped the landing page')")
    screenshot(page, "entry")

    page.fill(".team-nav input[name=q]", "docs")
    page.press(".team-nav input[name=q]", "Enter")
    page.wait_for_selector("mark")
    assert "docs" in page.locator(".results mark").first.inner_text().lower()
    screenshot(page, "search")

    page.click(".team-nav >> text=Calendar")
    assert page.locator("td.today .count.done").inner_text() == "3"  # two dones and the goal's done
    screenshot(page, "calendar")
    page.click("td.today a")
    page.wait_for_selector("form.post")

    page.click(".team-nav >> text=Stats")
    assert page.locator("svg.chart rect").count() >= 2
    screenshot(page, "stats")
    with page.expect_download() as download:
        page.click("text=Download CSV")
    rows = open(download.value.path(), encoding="utf-8").read().strip().splitlines()
    assert rows[0].startswith("author_email,kind,text") and len(rows) == 1 + Entry.objects.count()

    page.goto("/u/settings/")
    screenshot(page, "user-settings")


def _post_and_wait(page, text):
    _post(page, text)
    page.wait_for_selector(f"text={text.splitlines()[-1][2:]}")
