"""The team day page's member sections, cached by what they show, with the viewer's own parts applied per load.

A member's section looks the same to every teammate but for three things: the CSRF token and the return
path in its forms (the same across the page: placeholders, filled in once per load) and whether the viewer
likes each entry (one of two fixed strings at each like button, so a cached section is kept as the text
between its like buttons). The viewer's own section also carries their buttons (edit, mark done, archive):
a second variant, cached the same way. A warm load renders no template for the sections.

The cache key is a digest of everything a section shows (the member's name, and for each entry its text,
HTML, kind, days, archive state, like and comment counts and whether a goal was open on the day), of the
viewer's time zone and of the templates' source: an edit, a like, a comment, a delete or a new template
gives a different key, so the next load shows it; a section no longer wanted is never read again and expires.
The entries' part of it is made by PostgreSQL with the page's one statement (core.selectors.day_sections),
so a warm load never reads the entries themselves; a section not kept yet is rendered from its entries read
in full, and kept under the digest of those rows.
"""

import datetime as dt
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.localtime import zone_for
from core.selectors.day_sections import DaySections, shown_digest, viewer_likes
from core.selectors.entries import MemberDay, member_days
from core.web import soft_cache
from core.web.forms import EntryForm

SECTION_TEMPLATE = "core/_day_member.html"
ENTRY_TEMPLATE = "core/_entry.html"  # included by the section: part of the key
CACHE_SECONDS = 2 * 24 * 3600  # a day page is mostly read on its day and the next
# Control characters never reach stored text (core.text.clean_text strips them), so these cannot be forged;
# nor can the like button's attributes, as text and HTML reach the page with their quotes escaped.
CSRF_SLOT = "\x00csrf\x00"
NEXT_SLOT = "\x00next\x00"
LIKE_OFF = 'class="link like" aria-pressed="false"'
LIKE_ON = 'class="link like liked" aria-pressed="true"'
# A stored section is split at its slots (the like buttons, the token, the path), each named by a letter.
# Filling them piece by piece costs far less than replacing them in the page's text (a copy of 200 KB per
# slot kind) did. The letters are part of the key (FORMAT), so a section stored in another shape is never read.
_LIKE, _CSRF, _NEXT = "L", "C", "N"
_SLOT_CODES = {LIKE_OFF: _LIKE, CSRF_SLOT: _CSRF, NEXT_SLOT: _NEXT}
_SLOT_RE = re.compile("(" + "|".join(map(re.escape, _SLOT_CODES)) + ")")
FORMAT = "slots-1 repr-1"
# What a section is rendered with in place of the request's token and path.
_SLOTS = {"csrf_token": CSRF_SLOT, "request": SimpleNamespace(get_full_path=lambda: NEXT_SLOT)}


def member_sections(*, page: DaySections, request, day: dt.date, today: dt.date) -> SafeString:
    """The HTML of the sections of the members with something to show on ``day``, in page order."""
    return mark_safe(sections_html(page=page, request=request, day=day, today=today))  # noqa: S308


def sections_html(*, page: DaySections, request, day: dt.date, today: dt.date) -> str:
    """As ``member_sections``, as the plain text the page's frame takes (not copied into a SafeString)."""
    renderer = _Page(request=request, team=page.team, day=day, today=today)
    showing = [m for m in page.members if m.digest is not None]
    keys = [renderer.key(m.member, m.digest) for m in showing]
    cached = recent.get_many(keys)
    if len(cached) < len(keys):
        shared = soft_cache.get_many([key for key in keys if key not in cached])
        recent.set_many(shared)
        cached.update(shared)
    unkept = [m.member for m, key in zip(showing, keys, strict=True) if key not in cached]
    # Only the members whose sections are not kept have their entries read in full (after an edit, one).
    read = {}
    if unkept:
        read = {md.member.pk: md for md in member_days(team=page.team, day=day, viewer=request.user, people=unkept)}
    missing = {}
    # Sections are template output (escaped when rendered); the slots get the request's values, escaped.
    values = {_CSRF: _csrf_token(request), _NEXT: escape(request.get_full_path())}
    out = []
    for key, section in zip(keys, showing, strict=True):
        stored = cached.get(key)
        if stored is not None:
            _fill(out, stored, section.likes, values)
            continue
        md = read[section.member.pk]
        if not _entries(md):
            continue  # emptied between the two reads (a delete): shown as the next load will show it
        stored = renderer.render(md)
        # Kept under the digest of the rows it was rendered from, which were read after the digests: an edit
        # in between must never be kept under the digest of what was there before it.
        missing[renderer.key(md.member, shown_digest(md, day))] = stored
        _fill(out, stored, viewer_likes(md), values)
    soft_cache.set_many(missing, CACHE_SECONDS)
    recent.set_many(missing)
    return "".join(out)


def _csrf_token(request) -> str:
    """The page's one CSRF token: Django masks each ``get_token`` afresh (32 random draws), once is enough."""
    token = getattr(request, "_day_page_csrf_token", None)
    if token is None:
        token = request._day_page_csrf_token = get_token(request)
    return token


class RecentSections:
    """The sections this process served lately, in front of the shared cache, up to ``max_chars`` of text.

    A key names what its section shows (see above), so a copy kept here is exactly as current as the shared
    cache's: an edit gives a new key, and the old copy is simply not asked for again and falls out. Kept as
    the tuples themselves, a warm load costs a dictionary lookup per member instead of a round trip to
    Redis and unpickling the whole day (about a tenth of the page's CPU).
    """

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._chars = 0

    def get_many(self, keys: list[str]) -> dict:
        # Read without waiting: a lock every load takes is one loaded threads queue on. Each lookup is atomic;
        # marking the sections as recently used is skipped when another thread holds the lock (they stay in
        # the order they had, which only decides which sections go first when memory is full).
        found = {key: parts for key in keys if (parts := self._items.get(key)) is not None}
        if found and self._lock.acquire(blocking=False):
            try:
                for key in found:
                    if key in self._items:
                        self._items.move_to_end(key)
            finally:
                self._lock.release()
        return found

    def set_many(self, values: dict) -> None:
        if not values:
            return
        with self._lock:
            for key, parts in values.items():
                if key not in self._items:
                    self._items[key] = parts
                    self._chars += _chars(parts)
            while self._chars > self.max_chars and self._items:
                self._chars -= _chars(self._items.popitem(last=False)[1])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0


def _chars(parts: tuple[str, ...]) -> int:
    return sum(map(len, parts))


# About 20 days of a team of 50 at the benchmark's size (200 KB of sections each); a few MB per web process.
recent = RecentSections(max_chars=4_000_000)


def _entries(md: MemberDay) -> list:
    """The section's entries in the order the template shows them (and so of its like buttons)."""
    return [*md.blockers, *md.done, *md.goals, *md.open_goals]


class _Page:
    def __init__(self, *, request, team, day: dt.date, today: dt.date):
        self.section = get_template(SECTION_TEMPLATE)
        self.viewer_id = request.user.pk
        source = _source_digest(*(get_template(name).template.source for name in (SECTION_TEMPLATE, ENTRY_TEMPLATE)))
        # Times would show in the viewer's zone (the page renders in it): sections are kept per zone.
        self.zone = zone_for(request.user.time_zone)
        self.variants = {
            False: (FORMAT, source, team.hash_id, str(self.zone), "anyone"),
            # The author's buttons depend on the day only when it is past ("mark done" on that day).
            True: (FORMAT, source, team.hash_id, str(self.zone), "author", str(day if day < today else None)),
        }
        self.contexts = {
            False: {**_SLOTS, "team": team, "user": AnonymousUser()},  # nobody's own section: no buttons
            True: {**_SLOTS, "team": team, "user": request.user, "day": day, "today": today},
        }
        self.team_id = team.pk

    def key(self, member, entries_digest: str) -> str:
        """The key of ``member``'s section as this viewer sees it, its entries being those of ``entries_digest``
        (core.selectors.day_sections)."""
        shown = (self.variants[member.pk == self.viewer_id], (member.hash_id, member.display_name, member.nickname))
        return f"day:{self.team_id}:{member.pk}:{_digest((*shown, entries_digest))}"

    def render(self, md: MemberDay) -> tuple[str, ...]:
        """The section as stored: which slot comes where (one letter each), then the text between the slots;
        rendered with no entry liked."""
        unliked = MemberDay(
            member=md.member,
            **{
                group: [replace(entry, liked=False) for entry in getattr(md, group)]
                for group in ("blockers", "done", "goals", "open_goals")
            },
        )
        with timezone.override(self.zone):
            html = self.section.render({**self.contexts[md.member.pk == self.viewer_id], "md": unliked})
        pieces = _SLOT_RE.split("\n" + html)
        codes = "".join(_SLOT_CODES[slot] for slot in pieces[1::2])
        if codes.count(_LIKE) != len(_entries(md)):
            raise ValueError(f"{ENTRY_TEMPLATE} no longer renders one like button {LIKE_OFF!r} per entry")
        return (codes, *pieces[0::2])


def _fill(out: list[str], stored: tuple[str, ...], likes: str, values: dict[str, str]) -> None:
    """Append the section to ``out`` with its slots filled: each like button as the viewer's own like stands
    (``likes``: '1' or '0' per entry, in order), the token and the path from ``values``. One pass over the
    pieces: the page is joined once, at the end."""
    codes, texts = stored[0], stored[1:]
    liked = iter(likes)
    out.append(texts[0])
    for code, text in zip(codes, texts[1:], strict=True):
        out.append((LIKE_ON if next(liked) == "1" else LIKE_OFF) if code == _LIKE else values[code])
        out.append(text)


@lru_cache(maxsize=8)
def _source_digest(*sources: str) -> str:
    """The templates' source, digested once per process (the loader hands out the same strings each time)."""
    return hashlib.blake2b("".join(sources).encode(), digest_size=8).hexdigest()


@lru_cache(maxsize=2048)
def _digest(shown: tuple) -> str:
    """A digest of what a section shows, the same in every process: ``repr`` of strings, numbers, dates and
    times spells each value out unambiguously. Kept per process for the sections read lately (looked up by
    equality, so only the very same values give the same digest): a warm load hashes instead of digesting."""
    return hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()


# --- the page around the sections ------------------------------------------------------------------------
# The rest of the page (the layout's header and team navigation, the day's heading, the post form, who has not
# posted) shows a handful of values: the viewer's name, zone and unread count, the team's name, the day, the
# names still waiting. It is rendered from those values alone (a plain context: the templates see nothing
# else, not the user or the request), so the values are exactly what it shows and make its key in this
# process's memory; the token and the sections are slots filled per load. A posted form (its values and
# errors) and flash messages are rendered as they come, never kept.
PAGE_TEMPLATE = "core/team_day.html"
_FRAME_TEMPLATES = ("base.html", "core/_team_nav.html", PAGE_TEMPLATE)
SECTIONS_SLOT = "\x00sections\x00"
_SECTIONS = "S"
_FRAME_RE = re.compile("(" + "|".join(map(re.escape, (CSRF_SLOT, SECTIONS_SLOT))) + ")")
_FRAME_CODES = {CSRF_SLOT: _CSRF, SECTIONS_SLOT: _SECTIONS}
FRAME_FORMAT = "frame-1"


@dataclass(frozen=True)
class FrameViewer:
    """All the page's frame may show of the signed-in viewer."""

    pk: int
    display_name: str
    time_zone: str
    unread_notifications: int
    is_authenticated: bool = True


@dataclass(frozen=True)
class FrameTeam:
    hash_id: str
    name: str


@dataclass(frozen=True)
class FramePerson:
    display_name: str


# A frame is about 3 KB: some 600 viewer-days per process.
frames = RecentSections(max_chars=2_000_000)


def day_page_html(*, request, page: DaySections, day: dt.date, today: dt.date, form, fields, sections: str) -> str:
    """The whole day page: its frame (kept per viewer and day, see above) with the token and ``sections``."""
    viewer, team, members = request.user, page.team, page.members
    shown = {
        "user": FrameViewer(
            pk=viewer.pk,
            display_name=viewer.display_name,
            time_zone=viewer.time_zone,
            unread_notifications=page.unread_notifications,
        ),
        "team": FrameTeam(hash_id=team.hash_id, name=team.name),
        "day": day,
        "today": today,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "waiting": tuple(FramePerson(display_name=m.member.display_name) for m in members if not m.posted),
        "member_count": len(members),
    }
    flashes = messages.get_messages(request)
    # A blank form's HTML follows from the day and the language; a posted one's does not: never kept.
    kept = form is None and not len(flashes)
    source = _source_digest(*(get_template(name).template.source for name in _FRAME_TEMPLATES))
    key = (FRAME_FORMAT, source, translation.get_language(), get_script_prefix(), *shown.items())
    stored = frames.get_many([key]).get(key) if kept else None
    if stored is None:
        context = {
            **shown,
            # The unbound form is made only here, when the frame is rendered (the template reads its errors).
            "form": form if form is not None else EntryForm(initial={"occurred_on": day}),
            "fields": fields,
            "messages": flashes,
            "csrf_token": CSRF_SLOT,
            "member_sections": mark_safe(SECTIONS_SLOT),  # noqa: S308 (a control-character slot)
        }
        pieces = _FRAME_RE.split(get_template(PAGE_TEMPLATE).render(context))
        stored = ("".join(_FRAME_CODES[slot] for slot in pieces[1::2]), *pieces[0::2])
        if kept:
            frames.set_many({key: stored})
    out = []
    _fill(out, stored, "", {_CSRF: _csrf_token(request), _SECTIONS: sections})
    return "".join(out)
