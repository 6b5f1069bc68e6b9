"""A logged-in HTTP session against a real waitress process, as a browser would hold one."""

import re
import time

import requests

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _PlainHttpSession(requests.Session):
    """Production settings mark cookies Secure; the drill's waitress speaks plain HTTP on loopback."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


def session() -> requests.Session:
    return _PlainHttpSession()


def timed(call, *args, **kwargs) -> tuple[int, float, str]:
    """(status, seconds, body) of one request; a connection error is status 0."""
    started = time.monotonic()
    try:
        response = call(*args, timeout=30, allow_redirects=False, **kwargs)
        return response.status_code, time.monotonic() - started, response.text
    except requests.RequestException as error:
        return 0, time.monotonic() - started, str(error)


def csrf_from(web: requests.Session, url: str) -> str:
    return CSRF.search(web.get(url, timeout=30).text).group(1)


def log_in(web: requests.Session, base: str, email: str, password: str) -> tuple[int, float, str]:
    token = csrf_from(web, f"{base}/accounts/login/")
    return timed(
        web.post,
        f"{base}/accounts/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
    )
