"""Support's actions on a person's emails and account: each a core service called with ``actor=``, audited.

The audit row names the person (and team) acted on, with the state before → after where there is
one. No password, token or invitation code is ever part of a parameter or detail.
"""

from django.conf import settings

from core.models import Delivery, InboundMessage, Invitation, Membership, User
from core.selectors.logins import login_lockout_state
from core.services.accounts import password_reset_send
from core.services.inbound import inbound_reprocess
from core.services.invitations import invitation_resend
from core.services.logins import login_unlock
from core.services.resends import delivery_resend
from core.services.schedules import membership_emails_pause, membership_emails_restore, membership_emails_resume
from ops.services.audit import audited
from portal.celery import app as celery_app


def _membership_target(membership: Membership) -> str:
    return f"{membership.user.email} in {membership.team.name} (membership {membership.pk})"


def _schedule(membership: Membership) -> dict:
    return {
        "emails_paused": membership.emails_paused,
        "emails_throttled": membership.emails_throttled,
        "next_reminder_at": membership.next_reminder_at.isoformat() if membership.next_reminder_at else None,
        "next_digest_at": membership.next_digest_at.isoformat() if membership.next_digest_at else None,
    }


def _enqueue_resend(delivery_id: int) -> None:
    # The common send of every owed email: claim first, then send.
    celery_app.send_task("scheduled.send_delivery", kwargs={"delivery_id": delivery_id}, queue=settings.DELIVERY_QUEUE)


def support_delivery_resend(*, actor, delivery: Delivery) -> Delivery:
    """Send a reminder or digest again, as a row of its own marked as a resend of ``delivery``."""
    target = f"{delivery.kind} of {delivery.local_date} for {_membership_target(delivery.membership)}"
    with audited(
        actor=actor,
        action="delivery.resend",
        target=target,
        parameters={"delivery": delivery.pk, "previous_status": delivery.status},
    ) as audit:
        resend = delivery_resend(delivery=delivery, actor=actor, enqueue=_enqueue_resend)
        audit.parameters["resend"] = resend.pk
        audit.detail = f"resend {resend.pk} queued for {resend.to_email}"
    return resend


def _schedule_change(*, actor, membership: Membership, action: str, service) -> Membership:
    before = _schedule(membership)
    with audited(
        actor=actor, action=action, target=_membership_target(membership), parameters={"old": before}
    ) as audit:
        membership = service(membership=membership, actor=actor)
        audit.parameters["new"] = _schedule(membership)
    return membership


def support_emails_pause(*, actor, membership: Membership) -> Membership:
    return _schedule_change(
        actor=actor, membership=membership, action="membership.pause", service=membership_emails_pause
    )


def support_emails_resume(*, actor, membership: Membership) -> Membership:
    return _schedule_change(
        actor=actor, membership=membership, action="membership.resume", service=membership_emails_resume
    )


def support_emails_unthrottle(*, actor, membership: Membership) -> Membership:
    return _schedule_change(
        actor=actor, membership=membership, action="membership.unthrottle", service=membership_emails_restore
    )


def support_invitation_resend(*, actor, invitation: Invitation) -> Invitation:
    with audited(
        actor=actor,
        action="invitation.resend",
        target=f"invitation {invitation.pk} for {invitation.email} to {invitation.organization}",
    ) as audit:
        invitation = invitation_resend(invitation=invitation, actor=actor, as_support=True)
        audit.detail = f"sent again; expires {invitation.expires_at:%Y-%m-%d %H:%M} UTC"
    return invitation


def support_password_reset_send(*, actor, user: User) -> None:
    with audited(actor=actor, action="user.password_reset_send", target=user.email) as audit:
        delivery = password_reset_send(user=user, actor=actor)
        audit.parameters["delivery"] = delivery.pk
        audit.detail = f"password-reset email {delivery.pk} owed to the account's address"


def support_inbound_reprocess(*, actor, inbound: InboundMessage) -> InboundMessage:
    with audited(
        actor=actor,
        action="inbound.reprocess",
        target=f"inbound {inbound.pk} {inbound.message_id}",
        parameters={"old_outcome": inbound.outcome},
    ) as audit:
        inbound = inbound_reprocess(inbound=inbound, actor=actor)
        audit.parameters.update(new_outcome=inbound.outcome, entries_created=inbound.entries_created)
        audit.detail = f"{inbound.get_outcome_display()}: {inbound.entries_created} entries created"
    return inbound


def support_login_unlock(*, actor, user: User) -> int:
    """Lift the person's login lock-outs (every address); returns how many address pairs were unlocked."""

    def locked() -> list[str]:
        return [row.address for row in login_lockout_state(email=user.email) if row.locked]

    with audited(
        actor=actor, action="user.login_unlock", target=user.email, parameters={"old_locked_addresses": locked()}
    ) as audit:
        unlocked = login_unlock(actor=actor, email=user.email)
        audit.parameters.update(new_locked_addresses=locked(), unlocked=unlocked)
        audit.detail = f"{unlocked} address(es) unlocked; failure counts reset"
    return unlocked
