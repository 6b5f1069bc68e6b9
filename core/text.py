"""Entry and comment text: find #tags and @mentions, and render the text as safe, linked HTML.

Every piece of user text is escaped as it is placed; the result then goes through nh3 (ammonia, the
maintained sanitiser bleach's maintainers point to) with a safelist of one tag (``a``) so that a bug here
can never become stored XSS.
"""

import re

import nh3
from django.urls import reverse
from django.utils.html import escape

# A tag or a mention starts a word: "#1" in "issue#1" or "a@b.com" are not one.
TAG_RE = re.compile(r"(?<![\w&/])#([A-Za-z][\w-]{0,59})")
MENTION_RE = re.compile(r"(?<![\w.@])@([A-Za-z0-9][\w.-]{0,29})(?<!\.)")
URL_RE = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)
TOKEN_RE = re.compile(f"(?P<url>{URL_RE.pattern})|(?P<tag>{TAG_RE.pattern})|(?P<mention>{MENTION_RE.pattern})", re.I)
# Control characters (other than tab and newline) have no place in text and would confuse search highlighting.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

ALLOWED_TAGS = {"a"}
# nh3 writes quotes between tags as plain characters; escaped as Django's escape() writes them, the HTML
# stays the same as what is already stored. (Our own attribute values never contain ">".)
_QUOTES_IN_TEXT = re.compile(r"(?<=>)[^<]+|^[^<]+")
ALLOWED_ATTRIBUTES = {"a": {"href", "class", "rel"}}


def clean_text(text: str) -> str:
    return _CONTROL_RE.sub("", text.replace("\r\n", "\n")).strip()


def tags_in(text: str) -> list[str]:
    return sorted({m.group(1).lower() for m in TAG_RE.finditer(_without_urls(text))})


def nicknames_in(text: str) -> list[str]:
    return sorted({m.group(1).lower() for m in MENTION_RE.finditer(_without_urls(text))})


def _without_urls(text: str) -> str:
    return URL_RE.sub(" ", text)


def render_html(text: str, *, team_hash: str, people: dict[str, str]) -> str:
    """Linked HTML for ``text``; ``people`` maps lowercased nicknames of team members to user hashes."""
    out, last = [], 0
    for match in TOKEN_RE.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(_link(match, team_hash=team_hash, people=people))
        last = match.end()
    out.append(escape(text[last:]))
    html = "".join(out).replace("\n", " ")
    # link_rel=None: our own links set rel themselves (nofollow noopener on URLs, none on tags and mentions).
    clean = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https"}, link_rel=None
    )
    return _QUOTES_IN_TEXT.sub(lambda m: m.group(0).replace('"', "&quot;").replace("'", "&#x27;"), clean)


def _link(match: re.Match, *, team_hash: str, people: dict[str, str]) -> str:
    whole = match.group(0)
    if match.group("url"):
        return f'<a href="{escape(whole)}" rel="nofollow noopener">{escape(whole)}</a>'
    if match.group("tag"):
        name = whole[1:].lower()
        href = reverse("tag", args=[team_hash, name])
        return f'<a href="{escape(href)}" class="tag">{escape(whole)}</a>'
    user_hash = people.get(whole[1:].lower())
    if user_hash is None:
        return escape(whole)
    href = reverse("person", args=[team_hash, user_hash])
    return f'<a href="{escape(href)}" class="mention">{escape(whole)}</a>'
