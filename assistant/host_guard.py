"""Who may drive a local server from a browser: the ``Host`` and ``Origin`` rules of the API and the UI.

A web page on another site can still reach a server on loopback: it may post a form (or a
``fetch(..., {mode: "no-cors"})`` multipart body, which needs no CORS preflight), and with DNS
rebinding its own host name comes to point at 127.0.0.1, so it may even read the answers.
:class:`RequestGuard` refuses (403) every request, HTTP or WebSocket,

- whose ``Host`` is not a name this server was started on (the bound address; for a wildcard
  bind the machine's own addresses), nor one listed in the ``allowed_hosts`` setting;
- that carries an ``Origin`` other than the server's own (same ``Host``) or one listed in the
  ``allowed_origins`` setting (``Origin: null`` included);
- that a browser marks as sent by another site (``Sec-Fetch-Site: cross-site`` or ``same-site``,
  which covers another port on loopback), unless its Origin is listed; only a plain navigation
  (``GET`` in ``navigate`` mode: following a link, a sign-in provider's redirect) is let through.

Example:
    >>> sorted(bound_hosts("127.0.0.1"))
    ['127.0.0.1', '::1', 'localhost']
    >>> host_name("[::1]:8080"), host_name("Example.org:80"), host_name("a:b:c")
    ('::1', 'example.org', '')
    >>> guard = RequestGuard(None, hosts={"127.0.0.1"}, origins=["https://app.example.org"])
    >>> guard.refusal({"host": "rebind.evil.example:8080"}, "POST", "http")
    "host 'rebind.evil.example' is not an address this server answers to"
    >>> guard.refusal({"host": "127.0.0.1:8080", "origin": "http://127.0.0.1:9000"}, "POST", "http")
    "requests from the web page at 'http://127.0.0.1:9000' are refused (allowed_origins)"
    >>> guard.refusal({"host": "127.0.0.1:8080", "origin": "http://127.0.0.1:8080"}, "POST", "http") is None
    True
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse

logger = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
CROSS_SITE = frozenset({"cross-site", "same-site"})


def split_list(text: str | Iterable[str] | None) -> list[str]:
    """A comma-separated setting (or a list) as its non-empty, stripped items.

    >>> split_list(" a.example , ,b.example"), split_list(["x"]), split_list(None)
    (['a.example', 'b.example'], ['x'], [])
    """
    items = text.split(",") if isinstance(text, str) else list(text or ())
    return [i.strip() for i in items if i and i.strip()]


def host_name(value: str) -> str:
    """The lower-cased name of a ``Host`` header without its port ('' when it is malformed)."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        return name if not rest or rest.startswith(":") else ""
    name, _, port = value.partition(":")
    if ":" in port or (port and not port.isdigit()):
        return ""
    return name


def _is_loopback(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return name == "localhost"


def machine_addresses() -> set[str]:
    """The addresses of this machine's interfaces and its host name (what a wildcard bind answers on)."""
    names = {socket.gethostname().lower()}
    try:
        import psutil

        for entries in psutil.net_if_addrs().values():
            for entry in entries:
                if entry.family in (socket.AF_INET, socket.AF_INET6):
                    names.add(entry.address.split("%", 1)[0].lower())
    except (ImportError, OSError) as exc:
        logger.warning("cannot list this machine's addresses (%s): only loopback names and allowed_hosts are served", exc)
    return names


def bound_hosts(address: str, extra: str | Iterable[str] | None = None) -> set[str]:
    """The ``Host`` names a server bound to ``address`` answers to, plus the ``extra`` ones."""
    name = host_name(address) or address.strip("[]").lower()
    if name in WILDCARDS:
        names = set(LOOPBACK_NAMES) | machine_addresses()
    elif _is_loopback(name):
        names = set(LOOPBACK_NAMES) | {name}
    else:
        names = {name}
    return names | {host_name(h) or h.lower() for h in split_list(extra)}


class RequestGuard:
    """ASGI middleware applying the module's Host and Origin rules; ``hosts=None`` skips the Host rule
    (an app built for a test client, which calls itself ``testserver``)."""

    def __init__(self, app: Any, hosts: Iterable[str] | None, origins: str | Iterable[str] | None = ()) -> None:
        self.app = app
        self.hosts = None if hosts is None else frozenset(h.lower() for h in hosts)
        self.origins = frozenset(o.rstrip("/").lower() for o in split_list(origins))

    def refusal(self, headers: Mapping[str, str], method: str, scheme: str) -> str | None:
        """Why a request with these headers is refused, or None when it may go on."""
        host = headers.get("host", "")
        name = host_name(host)
        if self.hosts is not None and name not in self.hosts:
            return f"host {name or host!r} is not an address this server answers to"
        origin = headers.get("origin")
        if origin is not None:
            given = origin.strip().rstrip("/").lower()
            own = {f"{s}://{host.strip().lower()}" for s in ("http", "https", scheme)}
            if given not in own and given not in self.origins:
                return f"requests from the web page at {origin[:200]!r} are refused (allowed_origins)"
            return None
        site = headers.get("sec-fetch-site", "").lower()
        navigation = method in ("GET", "HEAD") and headers.get("sec-fetch-mode", "").lower() == "navigate"
        if site in CROSS_SITE and not navigation:
            return "requests from another site's web page are refused (allowed_origins)"
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        reason = self.refusal(Headers(scope=scope), scope.get("method", "GET"), scope.get("scheme", "http"))
        if reason is None:
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?",))[0]
        logger.warning("refused %s %s from %s: %s", scope.get("method", "WEBSOCKET"), scope.get("path", ""), client, reason)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "refused"})
            return
        await JSONResponse({"error": reason}, 403)(scope, receive, send)
