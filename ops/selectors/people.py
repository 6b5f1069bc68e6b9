"""What support sees about one person, in a fixed number of queries however long their history.

Times are given twice, in the person's own zone and in UTC: the person says "my digest didn't come
at 8:30", the logs speak UTC.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max, Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.localtime import zone_for
from core.models import Delivery, Entry, InboundMessage, Invitation, Membership, User
from core.selectors.logins import LoginLockout, login_lockout_state
from core.services.deliveries import THROTTLE_AFTER
from core.services.resends import MAX_AGE_DAYS, RESENDABLE

DELIVERIES_SHOWN = 30
INBOUND_SHOWN = 20
ENTRIES_SHOWN = 20
LOGIN_FAILURES_SHOWN = 10
WEEKDAYS = "Mon Tue Wed Thu Fri Sat Sun".split()


@dataclass(frozen=True)
class Moment:
    """One instant, as the person and as the logs see it."""

    local: dt.datetime
    utc: dt.datetime

    @property
    def local_text(self) -> str:
        return f"{self.local:%a %Y-%m-%d %H:%M} {self.local.tzname()}"

    @property
    def utc_text(self) -> str:
        return f"{self.utc:%a %Y-%m-%d %H:%M} UTC"

    @classmethod
    def of(cls, when: dt.datetime | None, zone) -> "Moment | None":
        return cls(local=when.astimezone(zone), utc=when.astimezone(dt.UTC)) if when else None


@dataclass
class MembershipState:
    membership: Membership
    next_reminder: Moment | None
    next_digest: Moment | None
    reminder_days: str
    digest_days: str
    last_entry_at: dt.datetime | None
    why: list[str] = field(default_factory=list)


@dataclass
class DeliveryRow:
    delivery: Delivery
    created: Moment | None  # when it was owed
    claimed: Moment | None
    sent: Moment | None
    resendable: bool


@dataclass
class PersonOverview:
    user: User
    zone_name: str
    now: Moment
    alternate_emails: list
    memberships: list[MembershipState]
    deliveries: list[DeliveryRow]
    inbound: list[InboundMessage]
    entries: list[Entry]
    invitations: list[Invitation]
    api_token_present: bool
    has_password: bool
    login_failures: list[LoginLockout]  # per address that failed to log in as them lately, newest first

    @property
    def login_locked(self) -> bool:
        return any(row.locked for row in self.login_failures)


def days_in_words(days: str) -> str:
    chosen = sorted({int(d) for d in days if d.isdigit() and int(d) < 7})
    return ", ".join(WEEKDAYS[d] for d in chosen) or "no days"


def person_overview(*, hash_id: str, now: dt.datetime | None = None) -> PersonOverview | None:
    now = now or timezone.now()
    user = User.objects.filter(hash_id=hash_id).first()  # 1
    if user is None:
        return None
    zone = zone_for(user.time_zone)
    alternates = list(user.alternate_emails.order_by("email"))  # 2
    memberships = sorted(  # 3 (a person has few: sorted here, so the plan is by the user_id index alone)
        Membership.objects.filter(user=user).select_related("team"), key=lambda m: m.team.name.lower()
    )
    last_entries = dict(  # 4: one grouped read over this person's entries (author index)
        Entry.objects.filter(author=user).values_list("team_id").annotate(last=Max("created_at")).order_by()
    )
    states = [
        _membership_state(m, user=user, zone=zone, last_entry_at=last_entries.get(m.team_id), now=now)
        for m in memberships
    ]
    today = now.astimezone(zone).date()
    deliveries = [  # 5
        DeliveryRow(
            delivery=d,
            created=Moment.of(d.created_at, zone),
            claimed=Moment.of(d.claimed_at, zone),
            sent=Moment.of(d.sent_at, zone),
            resendable=d.kind in RESENDABLE
            and d.membership is not None
            and d.local_date >= today - dt.timedelta(days=MAX_AGE_DAYS)
            and not d.membership.emails_paused,
        )
        # Their reminders and digests (by membership) and every email owed to them as a person
        # (invitations they sent aside: verification, password reset…), newest written first.
        for d in Delivery.objects.filter(Q(membership_id__in=[m.pk for m in memberships]) | Q(user=user))
        .select_related("membership__team")
        .order_by("-created_at", "-id")[:DELIVERIES_SHOWN]
    ]
    addresses = [user.email.lower(), *(a.email.lower() for a in alternates)]
    inbound = list(  # 6: their own, and mail from their addresses that was not matched to them (yet)
        InboundMessage.objects.alias(sender=Lower("from_email"))
        .filter(Q(user=user) | Q(sender__in=addresses))
        .select_related("team")
        .defer("raw", "mime")
        .order_by("-received_at", "-id")[:INBOUND_SHOWN]
    )
    entries = list(  # 7
        Entry.objects.filter(author=user).select_related("team").order_by("-created_at", "-id")[:ENTRIES_SHOWN]
    )
    invitations = list(  # 8
        Invitation.objects.alias(address=Lower("email"))
        .filter(address__in=addresses, accepted_at__isnull=True)
        .select_related("organization")
        .order_by("-created_at")[:10]
    )
    login_failures = login_lockout_state(email=user.email, limit=LOGIN_FAILURES_SHOWN)  # 9
    return PersonOverview(
        user=user,
        zone_name=user.time_zone,
        now=Moment.of(now, zone),
        alternate_emails=alternates,
        memberships=states,
        deliveries=deliveries,
        inbound=inbound,
        entries=entries,
        invitations=invitations,
        api_token_present=bool(user.api_token_hash),
        has_password=user.has_usable_password(),
        login_failures=login_failures,
    )


def _membership_state(membership: Membership, *, user: User, zone, last_entry_at, now: dt.datetime) -> MembershipState:
    why = []
    if membership.emails_paused:
        why.append(
            "Paused: no reminder or digest from this team until resumed (the person unsubscribed through "
            "an email's link or their settings, or staff paused it: see the audit log)."
        )
    if membership.emails_throttled:
        last = f"last entry {last_entry_at.astimezone(zone):%Y-%m-%d}" if last_entry_at else "no entry yet"
        why.append(
            f"Throttled: no entry in this team for {THROTTLE_AFTER.days}+ days ({last}), so one reminder and "
            "one digest a week, on the first chosen day, until they post or ask for daily emails again."
        )
    if not user.is_active:
        why.append("The account is deactivated: nothing is sent.")
    if not membership.emails_paused:
        if membership.next_reminder_at is None:
            why.append("No reminder scheduled: no reminder days chosen.")
        if membership.next_digest_at is None:
            why.append("No digest scheduled: no digest days chosen.")
    return MembershipState(
        membership=membership,
        next_reminder=Moment.of(membership.next_reminder_at, zone),
        next_digest=Moment.of(membership.next_digest_at, zone),
        reminder_days=days_in_words(membership.reminder_days),
        digest_days=days_in_words(membership.digest_days),
        last_entry_at=last_entry_at,
        why=why,
    )
