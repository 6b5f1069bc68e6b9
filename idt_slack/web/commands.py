"""``/slack/commands``: Slack's slash command. The signature (v0 HMAC over the raw body, at most five
minutes old) is checked with slack_sdk before anything else; a bad one is a 401 and nothing happens."""

import hashlib

from django.conf import settings
from django.http import JsonResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from slack_sdk.signature import SignatureVerifier

from idt_slack.oauth import configured
from idt_slack.services.commands import command_receive
from idt_slack.tasks import enqueue_command


def signature_valid(request) -> bool:
    try:
        return SignatureVerifier(settings.SLACK_SIGNING_SECRET).is_valid_request(request.body, request.headers)
    except ValueError:  # a timestamp that is not a number
        return False


@csrf_exempt
@require_POST
def commands_view(request):
    if not configured():
        return JsonResponse({"error": "Slack is not set up on this site."}, status=404)
    if not signature_valid(request):
        return JsonResponse({"error": "invalid or expired signature"}, status=401)
    payload = QueryDict(request.body, encoding="utf-8").dict()
    # Slack's retries (X-Slack-Retry-Num) resend the same body, so the same trigger_id.
    key = payload.get("trigger_id") or hashlib.sha256(request.body).hexdigest()
    answer = command_receive(key=key[:128], payload=payload, enqueue=enqueue_command)
    return JsonResponse({"response_type": "ephemeral", "text": answer.text})
