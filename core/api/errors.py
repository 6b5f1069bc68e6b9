"""API errors: every failure is ``{"error": "<message>"}`` with the status the original API used.

Views raise ``ApiError`` (or DRF's own exceptions); ``exception_handler`` gives each the one body shape.
"""

import math

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

INVALID_AUTHENTICATION = "Invalid API Authentication"


class ApiError(exceptions.APIException):
    """A refusal with the exact message clients see; 400 unless said otherwise."""

    def __init__(self, message: str, status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(detail=message)
        self.status_code = status_code


def no_access(thing: str) -> ApiError:
    """Someone else's (or an unknown) object: the original answered 401 and said nothing about whether it exists."""
    return ApiError(f"You do not have access to that {thing}", status.HTTP_401_UNAUTHORIZED)


def missing_param(name: str) -> ApiError:
    return ApiError(f"param is missing or the value is empty: {name}")


def unsupported_media_type(request) -> str:
    """DRF's message is 'Unsupported media type "" in request.' for a body sent without a Content-Type."""
    media_type = request.content_type if request is not None else ""
    sent = f'Content-Type "{media_type}"' if media_type else "no Content-Type"
    return f"Send a JSON object (Content-Type: application/json) or form fields; this request has {sent}"


def message_for(exc, request=None) -> str:
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        return INVALID_AUTHENTICATION
    if isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait) if exc.wait is not None else None
        return f"Rate limit exceeded: try again in {wait} seconds" if wait else "Rate limit exceeded"
    if isinstance(exc, exceptions.NotFound) or exc.__class__.__name__ == "Http404":
        return "Not found"
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return unsupported_media_type(request)
    detail = getattr(exc, "detail", None)
    return first_message(detail) if detail is not None else str(exc)


def first_message(detail) -> str:
    """The first human message in a DRF error detail (a string, a list or a dict of them)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = first_message(value)
            return message if key == "non_field_errors" else f"{key}: {message}"
        return "Invalid request"
    if isinstance(detail, list):
        return first_message(detail[0]) if detail else "Invalid request"
    return str(detail)


def client_error(exc):
    """Django's refusals of a request body (too big, too many fields) as API errors; DRF's handler would
    leave them to Django's HTML 400 page."""
    if isinstance(exc, RequestDataTooBig):
        return ApiError("The request body is too large", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return ApiError("The request has too many fields")
    if isinstance(exc, SuspiciousOperation):
        return ApiError("Bad request")
    return exc


def exception_handler(exc, context):
    """DRF's handler (status, ``Retry-After``, ``WWW-Authenticate``) with our body."""
    exc = client_error(exc)
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = {"error": message_for(exc, context.get("request"))}
    return response


def not_found(request, *args, **kwargs):
    """Any path under an API prefix that names no endpoint: JSON, not the site's HTML 404 page."""
    return JsonResponse({"error": "Not found"}, status=404)
