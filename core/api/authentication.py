"""Token authentication for both API versions: ``Authorization: Token <token>`` or ``?api_token=<token>``.

Only the token's digest is stored (``core.services.accounts.api_token_digest``), so the lookup is by
digest. Sessions are deliberately not accepted: scripts get no CSRF surprises and a logged-in browser
tab cannot be driven into the API.
"""

from rest_framework import authentication, exceptions

from core.selectors.people import user_for_api_token_digest
from core.services.accounts import api_token_digest

KEYWORD = "Token"
QUERY_PARAMETER = "api_token"
# Real tokens are 40 hex characters; anything far longer is not worth hashing.
MAX_TOKEN_LENGTH = 200


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        token = self._token_from(request)
        if token is None:
            return None  # DRF answers NotAuthenticated (401): the API needs a token
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise exceptions.AuthenticationFailed()
        digest = api_token_digest(token)
        user = user_for_api_token_digest(digest=digest)
        if user is None:
            raise exceptions.AuthenticationFailed()
        # request.auth is the digest: the throttle counts per token without ever holding the token.
        return user, digest

    def _token_from(self, request) -> str | None:
        header = authentication.get_authorization_header(request).split()
        if header and header[0].lower() == KEYWORD.lower().encode():
            if len(header) != 2:
                raise exceptions.AuthenticationFailed()
            try:
                return header[1].decode("ascii")
            except UnicodeDecodeError:
                raise exceptions.AuthenticationFailed() from None
        value = request.query_params.get(QUERY_PARAMETER)
        return value.strip() if value is not None else None

    def authenticate_header(self, request) -> str:
        # Without a WWW-Authenticate value DRF would turn the 401 into a 403.
        return f'{KEYWORD} realm="api"'
