"""Digests composed per second: built once per team and personalised, against a raw per-recipient loop.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_bench_digest .venv/bin/python bench/digest.py [--members 200]

Both sides produce the same emails in the same run: the composed path renders the team's section once
(cached) and wraps it per recipient; the raw loop renders the whole digest for every recipient, once
with its queries (what a naive sender does) and once from a prebuilt context (render cost alone).
The three are measured in alternation, round after round (``--rounds``; each composed round starts from
an empty cache, so it pays for its one section render), so a change in the machine's load between
them cannot tilt a ratio; the raw loops take ``--sample`` recipients a round (each costs the same).
"""

import datetime as dt
import time

import _django  # noqa: F401  (configures Django)
from _results import Result, parser, report
from django.core.cache import cache
from django.template.loader import render_to_string

from core.emails.common import links_for
from core.emails.digests import (
    digest_message,
    digest_window,
    forget_sections,
    render_team_section,
    team_section_context,
)
from core.models import Entry, Membership, Organization, Team, User

DAY = dt.date(2026, 11, 26)


def build_team(members: int, per_member: int) -> Team:
    slug = f"bench-digest-{members}"
    Team.objects.filter(slug=slug).delete()
    User.objects.filter(email__startswith=f"{slug}-").delete()
    team = Team.objects.create(organization=Organization.objects.create(name=slug), name="Bench digest", slug=slug)
    users = User.objects.bulk_create(
        User(email=f"{slug}-{n}@bench.test", full_name=f"Person {n:03d}", hash_id=f"{slug[-6:]}{n}")
        for n in range(members)
    )
    Membership.objects.bulk_create(Membership(user=u, team=team) for u in users)
    Entry.objects.bulk_create(
        Entry(team=team, author=u, text=f"Shipped thing {k} for #{u.pk}", occurred_on=DAY - dt.timedelta(days=1))
        for u in users
        for k in range(per_member)
    )
    return team


def timed(memberships: list, compose) -> float:
    """Seconds to compose one digest for each of ``memberships``."""
    started = time.perf_counter()
    for membership in memberships:
        compose(membership)
    return time.perf_counter() - started


def raw_with_queries(membership):
    section = render_team_section(team=membership.team, window=digest_window(membership=membership, local_date=DAY))
    return _wrap(membership, section.html, section.text)


def _wrap(membership, html, text):
    context = {"membership": membership, "user": membership.user, "team": membership.team, "local_date": DAY}
    context.update(links_for(membership), section_html=html, section_text=text)
    return render_to_string("email/digest.html", context), render_to_string("email/digest.txt", context)


def main(argv: list[str] | None = None) -> list[Result]:
    options = parser(__doc__)
    options.add_argument("--members", type=int, default=200)
    options.add_argument("--entries", type=int, default=3, help="entries per member in the window")
    options.add_argument("--rounds", type=int, default=4)
    options.add_argument("--sample", type=int, default=25, help="recipients a round for the raw loops")
    args = options.parse_args(argv)
    if args.quick:
        args.members, args.rounds, args.sample = 40, 2, 5
    _django.migrate()
    team = build_team(args.members, args.entries)
    memberships = list(Membership.objects.filter(team=team).select_related("user", "team"))
    print(f"team of {args.members} members, {args.members * args.entries} entries in the digest window")
    context = team_section_context(team=team, window=digest_window(membership=memberships[0], local_date=DAY))

    def composed(membership):
        return digest_message(membership=membership, local_date=DAY)

    def raw_render(membership):
        html = render_to_string("email/digest_team.html", context)
        text = render_to_string("email/digest_team.txt", context)
        return _wrap(membership, html, text)

    sample = memberships[: args.sample]
    spent = {"composed": [0.0, 0], "raw": [0.0, 0], "rendered": [0.0, 0]}
    for _round in range(args.rounds):
        cache.clear()
        forget_sections()  # every composed round renders the section once, as the first recipient would
        for name, members, compose in (
            ("composed", memberships, composed),
            ("raw", sample, raw_with_queries),
            ("rendered", sample, raw_render),
        ):
            spent[name][0] += timed(members, compose)
            spent[name][1] += len(members)
    composed_rate, raw, rendered = (spent[n][1] / spent[n][0] for n in ("composed", "raw", "rendered"))
    print(f"{'composed (team section once, personalised)':<52} {composed_rate:9.1f} digests/s")
    print(f"{'raw loop (queries + full render per recipient)':<52} {raw:9.1f} digests/s")
    print(f"{'raw loop (full render per recipient, no queries)':<52} {rendered:9.1f} digests/s")
    size = f"team of {args.members}, {args.members * args.entries} entries"
    return report(
        [
            Result(
                what=f"digests composed per second, {size}",
                figure=composed_rate,
                unit="digests/s",
                higher_is_better=True,
                baseline=raw,
                baseline_what="raw per-recipient loop",
                min_ratio=10 if args.members >= 200 else None,  # the shared section pays off with team size
            ),
            Result(
                what=f"digests composed per second against render alone, {size}",
                figure=composed_rate,
                unit="digests/s",
                higher_is_better=True,
                baseline=rendered,
                baseline_what="full render per recipient, no queries",
                min_ratio=10 if args.members >= 200 else None,  # the shared section pays off with team size
            ),
        ],
        bench="digest",
    )


if __name__ == "__main__":
    main()
