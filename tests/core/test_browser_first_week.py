"""A new team's first week in a real browser, on a pinned clock: Alice signs up and creates the team, invites
Bob by email (the link read from the mail folder), Bob accepts; both post dones, goals and blockers; Bob gets
his evening reminder; the next morning's digest shows Monday; Bob finishes his goal on Tuesday and remembers
something he did on Monday; Wednesday's digest shows both, saying which day the late one was for."""

import datetime as dt
import email
import email.policy
import re
from pathlib import Path

import pytest
import time_machine

from core.models import Delivery, Membership
from core.services.deliveries import delivery_send
from tests.browser import CHROMIUM

pytestmark = pytest.mark.django_db(transaction=True)

# A Monday comfortably after today's real date, so that cookies Chromium keeps by its own clock stay valid.
MONDAY = dt.date(2030, 1, 7)
TUESDAY, WEDNESDAY = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


class Mailbox:
    """The embedded backend's folder: one .eml per message, as a developer reads them."""

    def __init__(self, folder: Path):
        self.folder, self.seen = folder, set()

    def new(self, to: str, about: str) -> list:
        """Messages to ``to`` whose subject contains ``about`` that were not read before."""
        messages = []
        for path in sorted(self.folder.glob("*.eml")):
            if path in self.seen:
                continue
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to in message["To"] and about in message["Subject"]:
                self.seen.add(path)
                messages.append(message)
        return messages

    def one(self, to: str, about: str):
        [message] = self.new(to, about)
        return message


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


@pytest.fixture
def mailbox(settings, tmp_path) -> Mailbox:
    settings.EMAIL_BACKEND = "core.mail.FilePerMessageBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return Mailbox(tmp_path / "mail")


@pytest.fixture
def browser_for(chromium, live_server):
    contexts = []

    def open_page():
        context = chromium.new_context(
            base_url=live_server.url, timezone_id="UTC", viewport={"width": 1100, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _sign_up(page, email_address, name):
    page.fill("input[name=email]", email_address)
    page.fill("input[name=full_name]", name)
    page.fill("input[name=password1]", "a-long-password-9")
    page.fill("input[name=password2]", "a-long-password-9")
    page.click("main button[type=submit]")


def _post(page, text):
    page.fill("textarea[name=text]", text)
    page.click("form.post button[type=submit]")
    page.wait_for_selector(f"li.entry >> text={parse_last(text)}")


def parse_last(text: str) -> str:
    return re.sub(r"^(\[.?\]|!)\s*", "", text.splitlines()[-1])


def _member(page, name: str):
    return page.locator("section.member", has=page.locator(f"h2 >> text={name}"))


def _send(kind: str, who: str, day: dt.date, now: dt.datetime):
    """What the tick owes and the worker sends for this member, kind and day (the email at its time)."""
    membership = Membership.objects.get(user__email=who, team__is_personal=False)
    owed = Delivery.objects.create(
        membership=membership, user_id=membership.user_id, kind=kind, local_date=day, due_at=now, dispatched_at=now
    )
    delivery = delivery_send(delivery_id=owed.pk, now=now)
    assert delivery.status == "sent", delivery


def test_a_new_teams_first_week(browser_for, mailbox):
    assert Path(CHROMIUM).exists()
    with time_machine.travel(_at(MONDAY, 9), tick=True) as clock:
        # Monday morning: Alice starts the team and invites Bob.
        alice = browser_for()
        alice.goto("/")
        alice.click("text=Sign up free")
        _sign_up(alice, "alice@example.com", "Alice Archer")
        alice.fill("input[name=name]", "Rocket Crew")
        alice.click("main button[type=submit]")
        alice.wait_for_selector("form.post")
        assert "Monday, January 7, 2030" in alice.inner_text("h1")
        alice.click(".team-nav >> text=Members")
        alice.fill("input[name=email]", "bob@example.com")
        alice.click("text=Send invitation")
        alice.wait_for_selector("text=Invitation sent to bob@example.com")

        invitation = mailbox.one("bob@example.com", "invited you")
        assert invitation["Subject"].strip() == "Alice Archer invited you to Rocket Crew on iDoneThis"
        link = re.search(r"https?://\S+(/invitations/\S+/)", _text(invitation)).group(1)
        bob = browser_for()
        bob.goto(link)
        bob.click("text=Sign up to accept")
        _sign_up(bob, "bob@example.com", "Bob Baker")
        bob.click("button:has-text('Accept')")
        bob.wait_for_selector("form.post")
        assert bob.inner_text(".team-nav .team-name") == "Rocket Crew"

        # Monday: posts of each kind.
        alice.click(".team-nav >> text=Day")
        _post(alice, "[x] Set up the team\n! Waiting on the design review")
        _post(bob, "Wrote the onboarding guide\n[ ] Book the demo room")
        alice.reload()
        alice_card, bob_card = _member(alice, "Alice Archer"), _member(alice, "Bob Baker")
        assert [h.lower() for h in alice_card.locator("h3").all_inner_texts()] == ["blockers", "done"]
        assert [h.lower() for h in bob_card.locator("h3").all_inner_texts()] == ["done", "goals"]
        assert bob_card.locator("li.goal .marker").inner_text() == "☐"

        # Monday evening: Bob's reminder lists what he already posted.
        clock.move_to(_at(MONDAY, 17))
        _send("reminder", "bob@example.com", MONDAY, dt.datetime.now(dt.UTC))
        reminder = mailbox.one("bob@example.com", "What did you get done?")
        assert reminder["Subject"].strip() == "What did you get done? – Rocket Crew – January 7"
        body = _text(reminder)
        assert "You already posted today:" in body and "✓ Wrote the onboarding guide" in body
        assert "☐ Book the demo room" in body and "Alice Archer: Set up the team" in body

        # Tuesday morning: Alice's digest is Monday's team.
        clock.move_to(_at(TUESDAY, 8, 30))
        _send("digest", "alice@example.com", TUESDAY, dt.datetime.now(dt.UTC))
        digest = _text(mailbox.one("alice@example.com", "digest"))
        assert "Monday, January 7\n" in digest and "posted late" not in digest
        assert digest.index("Blockers") < digest.index("⚠ Waiting on the design review") < digest.index("Done")
        assert "☐ Book the demo room" in digest and "✓ Wrote the onboarding guide" in digest

        # Tuesday: Bob finishes his goal, and adds something he did on Monday.
        clock.move_to(_at(TUESDAY, 11))
        bob.goto("/")
        carried = bob.locator("ul.entries.carried li.goal", has_text="Book the demo room")
        carried.locator("button:has-text('Mark done')").click()
        bob.wait_for_selector("ul.entries:not(.carried) li.done >> text=Book the demo room")
        assert bob.locator("text=Open goals from earlier").count() == 0
        bob.click("a[rel=prev]")
        bob.wait_for_selector("h1 >> text=Monday, January 7, 2030")
        monday_goal = _member(bob, "Bob Baker").locator("li.goal", has_text="Book the demo room")
        assert monday_goal.locator(".marker").inner_text() == "☐"  # open on Monday, done on Tuesday
        assert "done Jan 8" in monday_goal.inner_text()
        _post(bob, "Sent the invoices")
        assert _member(bob, "Bob Baker").locator("li.done", has_text="Sent the invoices").count() == 1

        # Tuesday evening: Alice's reminder; Wednesday morning: her digest shows Tuesday and the late post.
        clock.move_to(_at(TUESDAY, 17))
        _send("reminder", "alice@example.com", TUESDAY, dt.datetime.now(dt.UTC))
        assert mailbox.one("alice@example.com", "What did you get done? – Rocket Crew – January 8")
        clock.move_to(_at(WEDNESDAY, 8, 30))
        _send("digest", "alice@example.com", WEDNESDAY, dt.datetime.now(dt.UTC))
        message = mailbox.one("alice@example.com", "digest")
        digest = _text(message)
        assert "Monday, January 7 (posted late, for that day)" in digest
        assert digest.index("posted late") < digest.index("✓ Sent the invoices") < digest.index("Tuesday, January 8")
        assert "✓ Book the demo room" in digest.split("Tuesday, January 8")[1]
        assert "☐ Book the demo room" not in digest and "Wrote the onboarding guide" not in digest
        assert "We haven't heard from Alice Archer." in digest
        assert "data-late" in _html(message)
