"""The support find box: one string → the people, teams, entries, tasks or inbound emails it names.

Every lookup is an index read, so the box stays instant on big tables: exact or prefix matches on
lower-cased columns (indexed as ``lower(column) text_pattern_ops`` by ops migration
0013_support_find_indexes, which serves both ``=`` and ``LIKE 'abc%'``), exact matches on the unique
hash ids, task ids and Message-IDs. "Contains" searches are deliberately not offered: they would read
whole tables.
"""

import re
from dataclasses import dataclass

from django.db.models.functions import Lower
from django_celery_results.models import TaskResult

from core.hashids import ALPHABET, LENGTH
from core.models import AlternateEmail, Entry, InboundMessage, Team, User

LIMIT = 10  # per kind: a longer list means the term is too short to be useful
MIN_LENGTH = 2
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HASH = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


@dataclass(frozen=True)
class Found:
    kind: str  # person, team, entry, task, inbound
    key: str  # what the page for it is addressed by (a hash id, a primary key)
    label: str
    detail: str = ""


class FindError(ValueError):
    """The term cannot be looked up (too short); the message says what to type instead."""


def find(term: str, *, limit: int = LIMIT) -> list[Found]:
    """Everything ``term`` names exactly or by prefix, people first; at most ``limit`` of each kind."""
    term = (term or "").strip()
    if len(term) < MIN_LENGTH:
        raise FindError(f"Type at least {MIN_LENGTH} characters: an email, a name, a hash, a task id or a Message-ID.")
    lower = term.lower()
    found: list[Found] = []
    if UUID.match(lower):
        found += [
            Found("task", str(pk), name or task_id, status)
            for pk, task_id, name, status in TaskResult.objects.filter(task_id=lower).values_list(
                "pk", "task_id", "task_name", "status"
            )[:limit]
        ]
    if "@" in term:
        found += _inbound(term, limit)
    found += _people(lower.lstrip("@"), limit)
    found += _teams(lower, limit)
    if HASH.match(lower):
        found += [
            Found("entry", str(pk), text[:80], f"by {author} in {team}")
            for pk, text, author, team in Entry.objects.filter(hash_id=lower).values_list(
                "pk", "text", "author__email", "team__name"
            )[:limit]
        ]
    return found


def _people(lower: str, limit: int) -> list[Found]:
    users = User.objects.alias(
        email_lower=Lower("email"), name_lower=Lower("full_name"), nickname_lower=Lower("nickname")
    )
    # One query per indexed expression: an OR across them would make the planner give up the indexes.
    ids: dict[int, str] = {}
    lookups = [("email_lower", "email"), ("name_lower", "name"), ("nickname_lower", "nickname")]
    for field, how in lookups:
        for pk in users.filter(**{f"{field}__startswith": lower}).order_by(field).values_list("pk", flat=True)[:limit]:
            ids.setdefault(pk, how)
    alternates = AlternateEmail.objects.alias(email_lower=Lower("email")).filter(email_lower__startswith=lower)
    for pk, email in alternates.order_by("email_lower").values_list("user_id", "email")[:limit]:
        ids.setdefault(pk, f"alternate address {email}")
    if not ids:
        return []
    rows = User.objects.filter(pk__in=ids).only("hash_id", "email", "full_name", "nickname")
    return [
        Found("person", user.hash_id, f"{user.display_name} <{user.email}>", f"matched by {ids[user.pk]}")
        for user in sorted(rows, key=lambda u: u.email)
    ][:limit]


def _teams(lower: str, limit: int) -> list[Found]:
    teams = Team.objects.alias(name_lower=Lower("name"))
    matches = list(teams.filter(hash_id=lower).values_list("hash_id", "name", "slug")[:1]) if HASH.match(lower) else []
    matches += (
        teams.filter(name_lower__startswith=lower).order_by("name_lower").values_list("hash_id", "name", "slug")[:limit]
    )
    matches += teams.filter(slug=lower).values_list("hash_id", "name", "slug")[:1]
    unique = {hash_id: (name, slug) for hash_id, name, slug in matches}
    return [Found("team", hash_id, name, f"address {slug}@…") for hash_id, (name, slug) in unique.items()][:limit]


def _inbound(term: str, limit: int) -> list[Found]:
    bare = term.strip("<>")
    rows = InboundMessage.objects.filter(message_id__in={term, f"<{bare}>", bare}).values_list(
        "pk", "from_email", "subject", "outcome"
    )
    return [
        Found("inbound", str(pk), subject or "(no subject)", f"from {sender}: {outcome}")
        for pk, sender, subject, outcome in rows[:limit]
    ]
