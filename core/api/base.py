"""The base of every API view: token authentication, a signed-in caller, the per-token throttle, JSON out,
JSON or form fields in.

These are also the REST_FRAMEWORK defaults; naming them here keeps each API view's contract in one place
whatever the settings say.
"""

from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from core.api.authentication import TokenAuthentication
from core.api.errors import ApiError
from core.api.parsers import PARSER_CLASSES
from core.api.throttling import TokenRateThrottle


class ApiView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [TokenRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = PARSER_CLASSES

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # PostgreSQL refuses NUL in text: a NUL in a query parameter is bad input, not a server error.
        # (Ids in the path never reach a query unless they look like hash ids: core.api.lookups.)
        if any("\x00" in value for _, values in request.query_params.lists() for value in values):
            raise ApiError("Parameters may not contain NUL characters")
