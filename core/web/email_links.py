"""Signed links from our emails: one-click unsubscribe (RFC 8058) and "email me daily again".

GET only shows a button (link scanners and previews fetch URLs); POST acts. Mailbox providers POST
one-click unsubscribes without cookies or CSRF token: the signature is the authorization.
"""

from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.emails.common import DAILY_AGAIN_SALT, UNSUBSCRIBE_SALT
from core.models import Membership
from core.services.schedules import membership_emails_pause, membership_emails_restore


def _membership(token: str, *, salt: str) -> Membership:
    try:
        pk = signing.loads(token, salt=salt)
    except signing.BadSignature as error:
        raise Http404("This link is not valid.") from error
    membership = Membership.objects.select_related("user", "team").filter(pk=pk).first()
    if membership is None:
        raise Http404("This membership no longer exists.")
    return membership


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    membership = _membership(token, salt=UNSUBSCRIBE_SALT)
    done = request.method == "POST"
    if done:
        # The signed link speaks for the member it was sent to.
        membership_emails_pause(membership=membership, actor=membership.user)
    return render(request, "core/email_link.html", {"membership": membership, "action": "unsubscribe", "done": done})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def daily_again(request, token):
    membership = _membership(token, salt=DAILY_AGAIN_SALT)
    done = request.method == "POST"
    if done:
        membership_emails_restore(membership=membership, actor=membership.user)
    return render(request, "core/email_link.html", {"membership": membership, "action": "daily", "done": done})
