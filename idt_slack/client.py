"""slack_sdk's WebClient pointed at SLACK_API_URL (a local fake in tests), with bounded rate-limit retries."""

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

# Errors that mean the link itself is broken: retrying cannot help, so the link is disabled with the reason.
TOKEN_ERRORS = {"token_revoked", "account_inactive", "invalid_auth", "not_authed"}
CHANNEL_ERRORS = {"is_archived", "channel_not_found", "not_in_channel"}
DISABLING_ERRORS = TOKEN_ERRORS | CHANNEL_ERRORS


class BoundedRateLimitRetry(RateLimitErrorRetryHandler):
    """Slack's 429: wait Retry-After and try again, a bounded number of times and only for short waits; a
    longer wait is left to the sweeper (the message stays owed with ``not_before``), never a blocked worker."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        return retry_after(response.headers) <= settings.SLACK_INLINE_RETRY_MAX_SECONDS


def retry_after(headers: dict) -> int:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0, int(raw))
            except (TypeError, ValueError):
                return 1
    return 1


def web_client(token: str | None = None) -> WebClient:
    client = WebClient(token=token, base_url=settings.SLACK_API_URL, timeout=settings.SLACK_API_TIMEOUT_SECONDS)
    client.retry_handlers.append(BoundedRateLimitRetry(max_retry_count=settings.SLACK_RATE_LIMIT_RETRIES))
    return client


def error_code(error: SlackApiError) -> str:
    response = error.response
    if response.status_code == 429:
        return "ratelimited"
    return str((response.data or {}).get("error") if isinstance(response.data, dict) else "") or "unknown_error"
