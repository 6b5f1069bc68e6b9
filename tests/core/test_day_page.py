"""The team day page served from the Redis cache: every edit, like, comment and delete shows on the next load,
each viewer sees their own likes and buttons, text stays escaped, the query count stays fixed, and the page
renders (uncached) while Redis is stopped."""

import datetime as dt
import os
import re
import subprocess
import uuid

import pytest
import redis
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.localtime import today_for
from core.models import Entry
from core.selectors.entries import open_goals_q, team_day
from core.services.entries import entry_archive, entry_create, entry_delete, entry_update, goal_complete
from core.services.social import comment_create, comment_delete, like_toggle
from core.services.teams import membership_add
from core.web import day_page, soft_cache
from tests.conftest import requires_redis
from tests.factories import UserFactory
from tests.processes import free_port, wait_for

SECTION_TEMPLATES = {"core/_day_member.html", "core/_entry.html"}


def _redis_cache(settings, url: str) -> str:
    prefix = f"test-day-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    return prefix


@pytest.fixture
def redis_cache(settings):
    """The cache on the shared test Redis (REDIS_URL), under a prefix of this test's own, removed afterwards."""
    url = os.environ["REDIS_URL"]
    prefix = _redis_cache(settings, url)
    soft_cache._skip_until = 0.0
    day_page.recent.clear()
    yield
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def steady(monkeypatch):
    """Each process reads the maintenance flag every few seconds: keep that read out of query counts."""
    monkeypatch.setattr("ops.selectors.maintenance.CHECK_EVERY_SECONDS", 3600)


def _load(client, team, day=None):
    url = reverse("team_day", args=[team.hash_id]) + (f"?date={day.isoformat()}" if day else "")
    response = client.get(url)
    assert response.status_code == 200
    return response


def _entry_html(page: str, entry) -> str:
    match = re.search(rf'<li class="[^"]*" data-kind="\w+" id="e-{entry.hash_id}">.*?</li>', page, re.S)
    assert match, f"entry {entry.hash_id} not on the page"
    return match.group(0)


def _rendered_sections(response) -> set[str]:
    return {t.name for t in response.templates} & SECTION_TEMPLATES


@requires_redis
def test_it_serves_sections_from_redis_on_the_next_load(client, alice, bob, team, redis_cache):
    entry = entry_create(author=alice, team=team, text="fuelled the rocket")
    client.force_login(bob)
    first = _load(client, team)
    again = _load(client, team)
    assert _rendered_sections(first) == SECTION_TEMPLATES
    assert _rendered_sections(again) == set()  # from this process's memory
    day_page.recent.clear()  # as another process would load it
    shared = _load(client, team)
    assert _rendered_sections(shared) == set()  # from Redis, no section or entry template rendered
    tokenless = [
        re.sub(r'csrfmiddlewaretoken" value="\w+"', "", _entry_html(r.content.decode(), entry)) for r in (shared, again)
    ]
    assert tokenless[0] == tokenless[1]  # the same section either way (each response masks its token anew)
    assert "fuelled the rocket" in again.content.decode()


@requires_redis
def test_it_shows_every_edit_like_comment_and_delete_on_the_next_load(client, alice, bob, team, redis_cache):
    entry = entry_create(author=alice, team=team, text="fuelled the rocket")
    goal = entry_create(author=alice, team=team, text="[ ] launch it")
    client.force_login(bob)
    _load(client, team)
    assert _rendered_sections(_load(client, team)) == set()

    entry_update(entry=entry, actor=alice, text="fuelled and tested the rocket")
    assert "fuelled and tested the rocket" in _entry_html(_load(client, team).content.decode(), entry)

    like_toggle(user=alice, entry=entry)
    assert "♥ 1<" in _entry_html(_load(client, team).content.decode(), entry)
    like_toggle(user=alice, entry=entry)
    assert "♥ 0<" in _entry_html(_load(client, team).content.decode(), entry)

    comment = comment_create(entry=entry, author=bob, text="nice")
    assert "1 comment<" in _entry_html(_load(client, team).content.decode(), entry)
    comment_delete(comment=comment, actor=bob)
    assert "0 comments<" in _entry_html(_load(client, team).content.decode(), entry)

    done = goal_complete(goal=goal, actor=alice)
    page = _load(client, team).content.decode()
    assert "completed" in _entry_html(page, goal).split(">", 1)[0] and "completes a goal" in _entry_html(page, done)

    entry_delete(entry=done, actor=alice)  # re-opens the goal with a queryset update (no updated_at)
    page = _load(client, team).content.decode()
    assert "completed" not in _entry_html(page, goal).split(">", 1)[0] and done.hash_id not in page

    entry_archive(entry=goal, actor=alice)
    assert "· archived" in _entry_html(_load(client, team).content.decode(), goal)

    entry_delete(entry=entry, actor=alice)
    assert entry.hash_id not in _load(client, team).content.decode()


@requires_redis
def test_it_shows_a_renamed_member_on_the_next_load(client, alice, bob, team, redis_cache):
    entry_create(author=alice, team=team, text="fuelled the rocket")
    client.force_login(bob)
    _load(client, team)
    alice.full_name = "Alice Aldrin"
    alice.save(update_fields=["full_name"])
    assert ">Alice Aldrin</a>" in _load(client, team).content.decode()


@requires_redis
def test_it_applies_each_viewers_own_like_and_buttons(client, alice, bob, team, redis_cache):
    mine = entry_create(author=alice, team=team, text="[ ] write the launch notes")
    theirs = entry_create(author=bob, team=team, text="fuelled the rocket")
    like_toggle(user=bob, entry=mine)
    client.force_login(bob)
    bobs = _load(client, team).content.decode()
    client.force_login(alice)
    alices = _load(client, team).content.decode()
    assert _rendered_sections(_load(client, team)) == set()

    # Bob likes Alice's goal; Alice does not (same cached section, each viewer's own state).
    assert 'class="link like liked" aria-pressed="true">♥ 1' in _entry_html(bobs, mine)
    assert 'class="link like" aria-pressed="false">♥ 1' in _entry_html(alices, mine)
    # Each sees edit and done buttons on their own entries only.
    assert reverse("entry_edit", args=[mine.hash_id]) in alices and reverse("goal_done", args=[mine.hash_id]) in alices
    assert reverse("entry_edit", args=[mine.hash_id]) not in bobs
    assert (
        reverse("entry_edit", args=[theirs.hash_id]) in bobs
        and reverse("entry_edit", args=[theirs.hash_id]) not in alices
    )
    # The forms carry the page's own path, and no placeholder is left.
    for page in (bobs, alices):
        assert "\x00" not in page
        assert f'name="next" value="{reverse("team_day", args=[team.hash_id])}#e-{mine.hash_id}"' in page


@requires_redis
def test_its_cached_like_forms_carry_a_token_that_posts(alice, bob, team, redis_cache):
    entry = entry_create(author=alice, team=team, text="fuelled the rocket")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bob)
    _load(browser, team)
    warm = _load(browser, team)
    assert _rendered_sections(warm) == set()
    token = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', _entry_html(warm.content.decode(), entry)).group(1)
    liked = browser.post(reverse("entry_like", args=[entry.hash_id]), {"csrfmiddlewaretoken": token})
    assert liked.status_code == 302 and entry.likes.filter(user=bob).exists()


@requires_redis
def test_it_returns_to_the_page_with_its_query_string(client, alice, bob, team, redis_cache):
    entry = entry_create(author=alice, team=team, text="fuelled the rocket")
    client.force_login(bob)
    day = today_for(bob)
    _load(client, team, day)
    page = _load(client, team, day).content.decode()
    path = reverse("team_day", args=[team.hash_id])
    assert f'name="next" value="{path}?date={day.isoformat()}#e-{entry.hash_id}"' in _entry_html(page, entry)


@requires_redis
def test_it_keeps_html_in_entries_escaped_from_the_cache(client, alice, bob, team, redis_cache):
    written = entry_create(author=alice, team=team, text='<script>alert("x")</script> & <b>bold</b>')
    # A row without rendered HTML shows its text, escaped by the template.
    legacy = Entry.objects.create(
        author=alice, team=team, text='<img src=x onerror="alert(1)">', html="", occurred_on=written.occurred_on
    )
    client.force_login(bob)
    _load(client, team)
    warm = _load(client, team)
    assert _rendered_sections(warm) == set()
    page = warm.content.decode()
    assert "<script>" not in page and "<b>bold</b>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in _entry_html(
        page, written
    )
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in _entry_html(page, legacy)


@requires_redis
def test_it_shows_the_whole_day_in_a_fixed_number_of_queries(
    client, alice, team, django_assert_num_queries, steady, redis_cache
):
    client.force_login(alice)
    _load(client, team)
    counts = []
    for size in (1, 30):
        for user in UserFactory.create_batch(size):
            membership_add(team=team, user=user)
            for n in range(4):
                entry = entry_create(author=user, team=team, text=f"[ ] task {n}" if n == 3 else f"did {n} #work")
                like_toggle(user=alice, entry=entry)
                comment_create(entry=entry, author=alice, text="good")
        # Session, user, the team with its members' section digests; then, only for sections not kept yet,
        # their entries in full. (Elsewhere than PostgreSQL the digests are made from the entries read in full.)
        expected = {"cold": 4, "warm": 3} if connection.vendor == "postgresql" else {"cold": 7, "warm": 6}
        for load, queries in expected.items():
            with django_assert_num_queries(queries) as captured:
                page = _load(client, team).content.decode()
            counts.append((load, len(captured)))
        assert page.count('<li class="entry ') == Entry.objects.filter(team=team).count()
    assert counts == [*expected.items()] * 2
    assert Entry.objects.filter(team=team).count() == 31 * 4


def test_it_carries_over_exactly_the_goals_open_goals_q_selects(alice, bob, team):
    today = today_for(alice)
    day = today - dt.timedelta(days=3)
    before = day - dt.timedelta(days=2)
    open_goal = entry_create(author=alice, team=team, text="[ ] still open", occurred_on=before)
    done_later = entry_create(author=alice, team=team, text="[ ] done after the day", occurred_on=before)
    goal_complete(goal=done_later, actor=alice, on=day + dt.timedelta(days=1))
    done_before = entry_create(author=bob, team=team, text="[ ] done before the day", occurred_on=before)
    goal_complete(goal=done_before, actor=bob, on=day - dt.timedelta(days=1))
    archived = entry_create(author=bob, team=team, text="[ ] archived", occurred_on=before)
    entry_archive(entry=archived, actor=bob)
    entry_create(author=bob, team=team, text="a done, not a goal", occurred_on=before)

    members = team_day(team_hash=team.hash_id, day=day, viewer=alice).members
    carried = {e.id for m in members for e in m.open_goals}
    assert carried == set(Entry.objects.filter(team=team).filter(open_goals_q(day=day)).values_list("pk", flat=True))
    assert carried == {open_goal.pk, done_later.pk}
    assert [e.open_on_day for m in members for e in m.open_goals if e.id == done_later.pk] == [True]


def test_it_hides_the_day_of_a_team_from_non_members(client, charlie, team):
    client.force_login(charlie)
    assert client.get(reverse("team_day", args=[team.hash_id])).status_code == 404
    assert client.get(reverse("team_day", args=["nosuchteam"])).status_code == 404


@pytest.fixture
def stoppable_redis():
    """A Redis of this test's own on a spare port (never the shared one), to stop and start again."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"]

    class OwnRedis:
        url = f"redis://127.0.0.1:{port}/0"
        process = None

        def start(self):
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            wait_for(lambda: _pong(port), what="own redis up")

        def stop(self):
            self.process.terminate()
            self.process.wait(10)

    own = OwnRedis()
    own.start()
    yield own
    if own.process.poll() is None:
        own.stop()


def _pong(port: int) -> bool:
    try:
        return redis.Redis(port=port, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


def test_it_renders_the_page_uncached_while_redis_is_stopped(client, settings, alice, bob, team, stoppable_redis):
    _redis_cache(settings, stoppable_redis.url)
    soft_cache._skip_until = 0.0
    entry = entry_create(author=alice, team=team, text="fuelled the rocket")
    client.force_login(bob)
    _load(client, team)
    assert _rendered_sections(_load(client, team)) == set()

    stoppable_redis.stop()
    # This process's own copy of the sections serves the page without asking Redis at all.
    kept = _load(client, team)
    assert _rendered_sections(kept) == set() and "fuelled the rocket" in kept.content.decode()
    assert not soft_cache._skipping()
    day_page.recent.clear()  # as a process that has not served the page yet (another dyno, a restart)
    down = _load(client, team)
    assert _rendered_sections(down) == SECTION_TEMPLATES and "fuelled the rocket" in down.content.decode()
    entry_update(entry=entry, actor=alice, text="fuelled while the cache was down")
    # The failure is remembered for a few seconds: the next loads do not try Redis at all.
    assert soft_cache._skipping()
    assert "fuelled while the cache was down" in _load(client, team).content.decode()

    stoppable_redis.start()
    soft_cache._skip_until = 0.0  # as when the few seconds have passed
    day_page.recent.clear()
    _load(client, team)  # renders the section Redis missed while it was down, and stores it there
    day_page.recent.clear()
    back = _load(client, team)  # from Redis
    assert _rendered_sections(back) == set() and "fuelled while the cache was down" in back.content.decode()
