"""A small client for the parts of the Heroku Platform API the portal uses (formation, dynos, app).

Optional: only when ``HEROKU_API_TOKEN`` and ``HEROKU_APP_NAME`` are set. The token is sent as a
bearer header and never returned, logged or shown. ``HEROKU_API_URL`` points tests at a fake server.
"""

import json
import urllib.error
import urllib.request
from urllib.parse import quote

from django.conf import settings


class HerokuError(Exception):
    pass


def heroku_connected() -> bool:
    return bool(settings.HEROKU_API_TOKEN and settings.HEROKU_APP_NAME)


def _request(method: str, path: str, body: dict | None = None):
    if not heroku_connected():
        raise HerokuError("Heroku is not connected (HEROKU_API_TOKEN and HEROKU_APP_NAME)")
    request = urllib.request.Request(
        settings.HEROKU_API_URL.rstrip("/") + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Accept": "application/vnd.heroku+json; version=3",
            "Authorization": f"Bearer {settings.HEROKU_API_TOKEN}",
            "Content-Type": "application/json",
            "User-Agent": "idonethis-ops-portal",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.HEROKU_API_TIMEOUT_SECONDS) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        try:
            message = json.loads(error.read()).get("message", "")
        except ValueError:
            message = ""
        raise HerokuError(f"Heroku answered {error.code}: {message or error.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise HerokuError(f"Heroku did not answer: {getattr(error, 'reason', error)}") from None
    return json.loads(raw) if raw else {}


def _app() -> str:
    return "/apps/" + quote(settings.HEROKU_APP_NAME, safe="")


def formation_list() -> list[dict]:
    return _request("GET", f"{_app()}/formation")


def dyno_list() -> list[dict]:
    return _request("GET", f"{_app()}/dynos")


def app_info() -> dict:
    return _request("GET", _app())


def dyno_restart(name: str) -> dict:
    return _request("DELETE", f"{_app()}/dynos/{quote(name, safe='')}")


def formation_restart(process_type: str) -> dict:
    return _request("DELETE", f"{_app()}/formations/{quote(process_type, safe='')}")


def formation_scale(process_type: str, quantity: int) -> dict:
    return _request("PATCH", f"{_app()}/formation/{quote(process_type, safe='')}", {"quantity": quantity})


def maintenance_update(enabled: bool) -> dict:
    return _request("PATCH", _app(), {"maintenance": enabled})
