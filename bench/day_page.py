"""Team day page over HTTP against a one-query view on the same server, in the same run.

    createdb -h 127.0.0.1 -U postgres idt_day_page_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/idt_day_page_bench REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/day_page.py [--rounds 3 --seconds 10]

A team of 50 where 45 posted today (210 entries, 700 likes, 170 comments), viewed by a member who posted.
The server is the production one: waitress with 90 threads as the Procfile starts it, production settings,
the psycopg pool of 20, the cache on Redis (``REDIS_URL``). wrk (``apt-get install wrk``) loads each URL
with 50 connections, in turn, ``--rounds`` times: the day page, the same page for a day nobody posted (what
the page costs before its first entry: session, user, team, layout) and a view that runs one query.
"""

import datetime as dt
import os
import re

import _django
import _http
from _results import Result, parser, report
from _team import session_cookie
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.models import Comment, Entry, Like, Team, User
from core.services.entries import entry_create, render_for_team, team_people
from core.services.teams import membership_add, team_create

NAME = "Bench day page"
EMAIL = "bench-day-{n}@bench.test"
MEMBERS, POSTERS, ENTRIES, LIKES, COMMENTS = 50, 45, 210, 700, 170
GOAL = 0.25  # the day page serves at least this share of the one-query view's requests per second
TOPICS = ["billing", "onboarding", "search", "mobile", "infra", "design", "support", "hiring"]


def _line(n: int, people: list[User]) -> str:
    """Entry text of a realistic length, with the #tags, @mentions and links people write."""
    topic = TOPICS[n % len(TOPICS)]
    text = f"Worked through the {topic} backlog: reviewed {n % 7 + 2} pull requests and paired on the tricky one"
    if n % 3 == 0:
        text += f" #{topic}"
    if n % 4 == 0:
        text += f" with @{people[(n * 7) % len(people)].nickname}"
    if n % 6 == 0:
        text += f" (notes: https://docs.example.com/{topic}/{n})"
    if n % 10 == 0:
        text += ' — "quotes" & <angle brackets> stay text'
    return ("[ ] " if n % 5 == 0 else "! " if n % 9 == 0 else "") + text


@transaction.atomic
def build_team(day: dt.date) -> tuple[Team, User]:
    """The team, rebuilt from nothing each run (new rows: the page cache starts cold)."""
    Team.objects.filter(name=NAME).delete()
    User.objects.filter(email__startswith="bench-day-").delete()
    people = User.objects.bulk_create(
        User(email=EMAIL.format(n=n), full_name=f"Person {n:02d}", nickname=f"bench{n:02d}", password="!")
        for n in range(MEMBERS)
    )
    team = team_create(owner=people[0], name=NAME)
    for person in people[1:]:
        membership_add(team=team, user=person)
    posters = people[:POSTERS]
    entries = [
        entry_create(author=posters[n % POSTERS], team=team, text=_line(n, people), occurred_on=day)
        for n in range(ENTRIES)
    ]
    Like.objects.bulk_create(
        Like(user=people[(n * 13 + n // ENTRIES) % MEMBERS], entry=entries[n % ENTRIES]) for n in range(LIKES)
    )
    nicknames = team_people(team=team)
    Comment.objects.bulk_create(
        Comment(entry=entries[(n * 5) % ENTRIES], author=people[n % MEMBERS], text=text, html=html)
        for n in range(COMMENTS)
        for text in [f"Nice, @{people[(n + 1) % MEMBERS].nickname}!"]
        for html in [render_for_team(team=team, text=text, people=nicknames)]
    )
    return team, people[1]


def analyze() -> None:
    """Tables as autovacuum keeps them in production: fresh statistics (without them the planner guesses a
    nested loop over a sequential scan per entry for tables it believes empty) and no dead rows. Every run
    rebuilds the team, and a server with autovacuum off (as this machine's) would otherwise have the page
    read each earlier run's deleted rows too."""
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) core_team, core_user, core_membership, core_entry, core_like, core_comment,"
            " core_notification, django_session"
        )


def cookie_of(viewer: User) -> str:
    # A returning browser sends its CSRF cookie too: the page does not have to set one.
    return f"{session_cookie(viewer)}; {settings.CSRF_COOKIE_NAME}={'b' * 32}"


def wrk(url: str, cookie: str, seconds: int, connections: int) -> dict:
    """Requests per second, latency and failed requests (non-2xx answers, socket errors and timeouts)."""
    result = _http.wrk(url, seconds=seconds, connections=connections, headers={"Cookie": cookie})
    return {**result, "failed": int(result["non_2xx"] + result["errors"])}


def check_page(body: bytes, viewer: User) -> None:
    """The whole day, to the viewer: every entry, their own edit links, nothing truncated."""
    html = body.decode()
    shown = len(re.findall(r'<li class="entry ', html))
    if shown != ENTRIES:
        raise SystemExit(f"the day page shows {shown} entries, not {ENTRIES}")
    own = Entry.objects.filter(author=viewer, team__name=NAME).count()
    if html.count(">Edit</a>") != own:
        raise SystemExit(f"the viewer's {own} entries should have an Edit link each")


def measure(urls: dict[str, str], cookie: str, rounds: int, seconds: int, connections: int) -> dict[str, list]:
    """wrk on each URL in turn, ``rounds`` times: machine noise spreads over all of them alike."""
    for url in urls.values():
        wrk(url, cookie, 2, connections)  # warm-up: pool filled, templates compiled, sections cached
    runs = {name: [] for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            runs[name].append(wrk(url, cookie, seconds, connections))
    return runs


def main(argv: list[str] | None = None) -> list[Result]:
    options = parser(__doc__)
    options.add_argument("--rounds", type=int, default=3, help="wrk runs per URL, alternating")
    options.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    options.add_argument("--connections", type=int, default=50)
    args = options.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds = 1, 3
    _http.ensure_wrk()
    if not os.environ.get("REDIS_URL", "").startswith("redis://"):
        raise SystemExit("set REDIS_URL=redis://…: the server caches in Redis as in production")
    _django.migrate()
    day = timezone.now().date()
    team, viewer = build_team(day)
    analyze()
    cookie = cookie_of(viewer)
    page = f"/t/{team.hash_id}/?date={day.isoformat()}"
    paths = {
        "page": page,
        # The same page for a day nobody posted: what any signed-in page of this team costs (session, user,
        # team and members, layout), before the first entry.
        "empty": f"/t/{team.hash_id}/?date={(day - dt.timedelta(days=400)).isoformat()}",
        "baseline": _http.ONE_QUERY_PATH,
    }
    env = _http.production_env(DB_POOL_MAX_SIZE="20", DYNO="web.1")
    with _http.serve(env=env) as (base, _server):
        status, body, cold = _http.fetch(base, page, headers={"Cookie": cookie})
        _, _, warm = _http.fetch(base, page, headers={"Cookie": cookie})
        check_page(body, viewer)
        urls = {name: base + path for name, path in paths.items()}
        runs = measure(urls, cookie, args.rounds, args.seconds, args.connections)
    print(
        f"team of {MEMBERS}, {POSTERS} posted: {ENTRIES} entries, {LIKES} likes, {COMMENTS} comments;"
        f" page {len(body) / 1024:.0f} KB (status {status});"
        f" first load {cold * 1000:.0f} ms (sections rendered), second {warm * 1000:.0f} ms (from Redis)"
    )
    print(f"waitress 90 threads, pool of 20, wrk -c{args.connections}, {args.rounds} × {args.seconds} s each\n")
    print("| URL | req/s (best run) | runs | p50 | p99 | failed |")
    print("|---|---:|---|---:|---:|---:|")
    labels = {"page": "team day page", "empty": "same page, a day nobody posted", "baseline": "one-query view"}
    rps = {}
    for key, label in labels.items():
        rates = [run["rps"] for run in runs[key]]
        # The best run of each: other work on the machine only ever takes requests away, and a median
        # of three let one URL's stumble (the one-query view's 767, 362, 371) pass for its throughput.
        rps[key] = max(rates)
        last = runs[key][-1]
        failed = sum(run["failed"] for run in runs[key])
        print(
            f"| {label} | {rps[key]:,.1f} | {', '.join(f'{r:,.0f}' for r in rates)}"
            f" | {last['p50_ms']:,.0f} ms | {last['p99_ms']:,.0f} ms | {failed} |"
        )
    print()
    if any(run["failed"] for run in runs["page"]):
        raise SystemExit("the day page answered errors under load (see the failed column)")
    size = f"{MEMBERS} members, {ENTRIES} entries, {LIKES} likes, {COMMENTS} comments, wrk -c{args.connections}"
    return report(
        [
            Result(
                what=f"team day page, {size}",
                figure=rps["page"],
                unit="req/s",
                higher_is_better=True,
                baseline=rps["baseline"],
                baseline_what="one-query view",
                min_ratio=GOAL,
            ),
            Result(
                what="team day page, a day nobody posted (the page without entries)",
                figure=rps["empty"],
                unit="req/s",
                higher_is_better=True,
                baseline=rps["baseline"],
                baseline_what="one-query view",
            ),
            Result(
                what=f"team day page with its {ENTRIES} entries against the same page empty",
                figure=rps["page"],
                unit="req/s",
                higher_is_better=True,
                baseline=rps["empty"],
                baseline_what="a day nobody posted",
            ),
        ],
        bench="day_page",
    )


if __name__ == "__main__":
    main()
