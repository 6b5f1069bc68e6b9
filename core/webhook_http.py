"""The network side of outgoing webhooks: which targets are allowed, and one POST pinned to a checked address.

SSRF guard: a target's host is resolved and every address it resolves to must be a public unicast one —
no loopback, private, link-local (cloud metadata at 169.254.169.254 is one), unique-local (fd00:ec2::254),
shared, reserved, unspecified or multicast address. The POST then connects to the address that was
checked (the ``Host`` header and TLS name stay the host's), so a DNS answer that changes between the
check and the connection (rebinding) cannot send it elsewhere. Redirects are never followed.
``WEBHOOK_ALLOWED_NETWORKS`` lists networks exempt from the guard (tests: ``127.0.0.1/32``).
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

# Metadata services that answer on addresses the generic rules might not catch everywhere.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, DigitalOcean, OpenStack
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("168.63.129.16"),  # Azure wire server (a public address)
}
USER_AGENT = "iDoneThis-Webhooks/1"


class TargetRefused(ValueError):
    """The URL is not one a webhook may be sent to; the message says why."""


def _allowed_networks():
    return [ipaddress.ip_network(n, strict=False) for n in settings.WEBHOOK_ALLOWED_NETWORKS]


def address_refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address may not be a webhook target, or None when it may."""
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    if any(address in network for network in _allowed_networks()):
        return None
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for flag, name in (
        ("is_loopback", "a loopback address"),
        ("is_unspecified", "an unspecified address"),
        ("is_multicast", "a multicast address"),
        ("is_link_local", "a link-local address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(address, flag):
            return name
    if not address.is_global:
        return "a non-public address"
    return None


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a well-formed http(s) URL, or TargetRefused."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise TargetRefused("A webhook URL may not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefused(f"That URL is not valid ({error}).") from None
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("A webhook URL starts with http:// or https://.")
    if not parts.hostname:
        raise TargetRefused("A webhook URL needs a host name.")
    if parts.username or parts.password:
        raise TargetRefused("A webhook URL may not carry a user name or password.")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve_target(url: str) -> tuple[str, str, int, str]:
    """Check the URL and resolve its host: (scheme, host, port, the address to connect to). Every address
    the host resolves to must be allowed, so a name with one private address among public ones is refused."""
    scheme, host, port = check_url(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as error:  # unknown name, bad label, NUL byte
        raise TargetRefused(f"The host {host} could not be resolved ({error}).") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses:
        raise TargetRefused(f"The host {host} has no address.")
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            where = f"{host} is" if host == str(address) else f"{host} resolves to {address},"
            raise TargetRefused(f"{where} {reason}; webhooks only go to public addresses.")
    return scheme, host, port, str(addresses[0])


class _PinnedAdapter(HTTPAdapter):
    """Connects to the checked address while TLS verifies the certificate for the host name."""

    def __init__(self, host: str):
        self._host = host
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["server_hostname"] = self._host
        kwargs["assert_hostname"] = self._host
        super().init_poolmanager(*args, **kwargs)


@dataclass
class PostResult:
    status_code: int | None
    duration_ms: int
    error: str = ""


def post_json(url: str, *, body: bytes, headers: dict[str, str]) -> PostResult:
    """POST ``body`` to ``url`` after the SSRF check, with short timeouts and no redirects. Never raises
    for the network: a refusal or a failure comes back as ``error``."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        scheme, host, port, address = resolve_target(url)
    except TargetRefused as refused:
        return PostResult(None, took(), f"refused: {refused}")
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    pinned = f"{scheme}://{literal}:{port}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if parts.port is None else f"[{host}]:{parts.port}"
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the checked address is the one reached
    session.mount(f"{scheme}://", _PinnedAdapter(host))
    timeout = (settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS, settings.WEBHOOK_READ_TIMEOUT_SECONDS)
    try:
        with session.post(
            pinned,
            data=body,
            headers={**headers, "Host": host_header, "User-Agent": USER_AGENT},
            timeout=timeout,
            allow_redirects=False,
            stream=True,  # the answer's body is never read: only its status matters
        ) as response:
            return PostResult(response.status_code, took())
    except requests.RequestException as error:
        return PostResult(None, took(), f"{type(error).__name__}: {error}"[:2000])
    finally:
        session.close()
