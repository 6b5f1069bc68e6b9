"""What drf-spectacular cannot see in the views: the token scheme, the list headers and the error bodies.

The schema at /api/v2/schema is the v2 API only (v0.1 is legacy, documented in docs/api.md).
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from core.api.pagination import HEADERS

V2_PREFIX = "/api/v2/"
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "string"}},
    "required": ["error"],
}
# Every operation can answer these: no or a bad token, the per-token rate limit, bad input, and the JSON
# 503 of maintenance mode or a database outage.
ERRORS = {
    "400": "Bad input: a missing param, a bad date, status, page or per_page",
    "401": "Invalid API Authentication, or not your team / entry / webhook",
    "429": "Rate limit exceeded (see Retry-After)",
    "503": "Maintenance or database unavailable (see Retry-After)",
}


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <your API token>` (or the `api_token` query parameter).",
        }


def only_v2_endpoints(endpoints, **kwargs):
    """The v2 operations, each once: the trailing-slash spelling of a path is the same operation."""
    return [
        endpoint
        for endpoint in endpoints
        if endpoint[0].startswith(V2_PREFIX)
        and not endpoint[0].endswith("/")
        and not endpoint[0].startswith((V2_PREFIX + "schema", V2_PREFIX + "docs"))
    ]


def document_headers_and_errors(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            ok = responses.get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ok = schemas.get(ok["$ref"].rsplit("/", 1)[-1], {}) if "$ref" in ok else ok
            if ok.get("type") == "array":
                responses["200"]["headers"] = {
                    name: {"description": text, "schema": {"type": "string"}} for name, text in HEADERS.items()
                }
            for code, text in ERRORS.items():
                responses.setdefault(code, _error_response(text))
            responses["429"]["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    return result


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
