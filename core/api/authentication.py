"""Token authentication for both API versions: ``Authorization: Token <token>`` or ``?api_token=<token>``.

The header is read as the original's Rails token helper read it, so its clients' other spellings work too:
``Token token="<token>"`` (what Ruby's Faraday ``token_auth`` sends), ``Token token=<token>`` and
``Bearer <token>``; options after the token (``, realm=…``) are ignored.

Only the token's digest is stored (``core.services.accounts.api_token_digest``), so the lookup is by
digest. Sessions are deliberately not accepted: scripts get no CSRF surprises and a logged-in browser
tab cannot be driven into the API.
"""

import re

from rest_framework import authentication, exceptions

from core.selectors.people import user_for_api_token_digest
from core.services.accounts import api_token_digest

KEYWORD = "Token"
KEYWORDS = (b"token", b"bearer")
# Rails separates the token from its options with a comma, semicolon or tab.
OPTIONS_SEPARATOR = re.compile(r"\s*[,;\t]\s*")
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
        keyword, _, credentials = authentication.get_authorization_header(request).strip().partition(b" ")
        if keyword.lower() in KEYWORDS:
            try:
                return token_in(credentials.decode("ascii"))
            except UnicodeDecodeError:
                raise exceptions.AuthenticationFailed() from None
        value = request.query_params.get(QUERY_PARAMETER)
        return value.strip() if value is not None else None

    def authenticate_header(self, request) -> str:
        # Without a WWW-Authenticate value DRF would turn the 401 into a 403.
        return f'{KEYWORD} realm="api"'


def token_in(credentials: str) -> str:
    """The token in what follows the keyword: ``abc``, ``token=abc`` or ``token="abc"``, then options."""
    first = OPTIONS_SEPARATOR.split(credentials.strip(), maxsplit=1)[0]
    if first[:6].lower() == "token=":
        first = first[6:]
        if len(first) >= 2 and first[0] == first[-1] == '"':
            first = first[1:-1]
    if any(character.isspace() for character in first):
        raise exceptions.AuthenticationFailed()
    return first
