"""The team day page's member sections: each entry's HTML cached by what it shows, the viewer's parts applied.

An entry looks the same to every teammate but for three things: the CSRF token and the return path in its
forms (the same across the page: placeholders replaced once per section) and whether the viewer likes it
(one of two fixed strings around the like button). Its author also sees their buttons (edit, mark done,
archive): a second variant of the fragment, cached the same way. A warm load renders no entry template.

The cache key is a digest of everything the fragment shows (text, HTML, kind, days, archive state, like
and comment counts, whether the goal was open on the day) and of the template's source: an edit, a like, a
comment, a delete or a new template gives a different key (or no row at all), so the next load shows it;
old fragments are never served and simply expire.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.selectors.entries import DayEntry, MemberDay
from core.web import soft_cache

TEMPLATE = "core/_entry.html"
CACHE_SECONDS = 2 * 24 * 3600  # a day page is mostly read on its day and the next
# Control characters never reach stored text (core.text.clean_text strips them), so these cannot be forged.
CSRF_SLOT = "\x00csrf\x00"
NEXT_SLOT = "\x00next\x00"
LIKE_OFF = 'class="link like" aria-pressed="false"'
LIKE_ON = 'class="link like liked" aria-pressed="true"'
# What a fragment is rendered with in place of the request's token and path.
_SLOTS = {"csrf_token": CSRF_SLOT, "request": SimpleNamespace(get_full_path=lambda: NEXT_SLOT)}


@dataclass
class Section:
    member: object
    url: str
    blockers: SafeString
    done: SafeString
    goals: SafeString
    open_goals: SafeString


def member_sections(*, members: list[MemberDay], request, team, day: dt.date, today: dt.date) -> list[Section]:
    """The sections of the members with something to show on ``day``, in page order."""
    showing = [m for m in members if m.posted or m.open_goals]
    page = _Page(template=get_template(TEMPLATE), request=request, day=day, today=today)
    page.load([e for m in showing for e in (*m.blockers, *m.done, *m.goals, *m.open_goals)])
    # URLs built once, not once per member: person URLs differ only by the member's hash.
    person_url = reverse("person", args=[team.hash_id, "__member__"])
    return [
        Section(
            member=m.member,
            url=person_url.replace("__member__", m.member.hash_id),
            blockers=page.html(m.blockers),
            done=page.html(m.done),
            goals=page.html(m.goals),
            open_goals=page.html(m.open_goals),
        )
        for m in showing
    ]


class _Page:
    def __init__(self, *, template, request, day: dt.date, today: dt.date):
        self.template = template
        self.viewer_id = request.user.pk
        source = hashlib.blake2b(template.template.source.encode(), digest_size=8).hexdigest()
        self.variants = {
            False: (source, "anyone"),
            # The author's buttons depend on the day only when it is past ("mark done" on that day).
            True: (source, "author", day if day < today else None),
        }
        self.contexts = {
            False: {**_SLOTS, "user": AnonymousUser()},  # nobody's own entry: no buttons
            True: {**_SLOTS, "user": request.user, "day": day, "today": today},
        }
        self.csrf = get_token(request)
        self.next = escape(request.get_full_path())
        self.fragments: dict[int, tuple[str, str]] = {}

    def load(self, rows: list[DayEntry]) -> None:
        """The fragments of ``rows``: from the cache in one round trip, the missing ones rendered and stored."""
        keys = {row.id: self.key(row) for row in rows}
        cached = soft_cache.get_many(list(keys.values()))
        missing = {}
        for row in rows:
            parts = cached.get(keys[row.id])
            if parts is None:
                parts = missing[keys[row.id]] = self.render(row)
            self.fragments[row.id] = parts
        soft_cache.set_many(missing, CACHE_SECONDS)

    def key(self, row: DayEntry) -> str:
        shown = (
            self.variants[row.author_id == self.viewer_id],
            row.hash_id,
            row.kind,
            row.text,
            row.html,
            row.occurred_on,
            row.completed_on,
            row.goal_id,
            row.archived_at,
            row.open_on_day,
            row.like_count,
            row.comment_count,
        )
        return f"day-entry:{row.id}:{hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()}"

    def render(self, row: DayEntry) -> tuple[str, str]:
        """The fragment with placeholders for the page's token and path, split around the like button's state."""
        context = self.contexts[row.author_id == self.viewer_id]
        html = self.template.render({**context, "entry": replace(row, liked=False)})
        before, found, after = html.rpartition(LIKE_OFF)
        if not found:
            raise ValueError(f"{TEMPLATE} no longer renders the like button as {LIKE_OFF!r}")
        return before, after

    def html(self, rows: list[DayEntry]) -> SafeString:
        joined = "".join(
            before + (LIKE_ON if row.liked else LIKE_OFF) + after
            for row in rows
            for before, after in [self.fragments[row.id]]
        )
        # Fragments are template output (escaped when rendered); the slots are filled with escaped values.
        return mark_safe(joined.replace(CSRF_SLOT, self.csrf).replace(NEXT_SLOT, self.next))  # noqa: S308
