"""Deadlines and caps on the API's connections, below the app: half-open requests cannot starve it.

uvicorn waits for a request's headers without any deadline (``timeout_keep_alive`` only starts
after a response), so clients that send half a request and wait each hold a file descriptor until
the process runs out. :func:`guarded_protocol` makes a subclass of uvicorn's httptools protocol that

- closes a connection whose request headers are not complete ``header_timeout`` seconds after the
  connection (or the request) began;
- closes a connection whose body stalls: no body bytes for ``body_timeout`` seconds while the app
  is reading (a paused read, the app being busy, does not count);
- keeps at most ``per_client`` connections open from one address and ``total`` in all: a new
  connection over either cap makes room by closing the oldest connection (of that address, or of
  all) still waiting for its headers, and is itself closed when none waits. So a flood of slow
  clients, even from the same address, delays nobody who sends a whole request at once.

Example:
    >>> protocol = guarded_protocol(header_timeout=10, body_timeout=30, per_client=64, total=4096)
    >>> protocol.__name__
    'GuardedHttpToolsProtocol'
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections import OrderedDict
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger(__name__)


class Tally:
    """Connections open per client address and the ones still waiting for their headers (oldest first)."""

    def __init__(self) -> None:
        self.per_client: dict[str, int] = {}
        self.waiting: OrderedDict[int, Any] = OrderedDict()
        self.waiting_of: dict[str, OrderedDict[int, Any]] = {}
        self.open = 0
        self.refused = 0
        self.timed_out = 0


def guarded_protocol(*, header_timeout: float, body_timeout: float, per_client: int, total: int) -> type[HttpToolsProtocol]:
    """A uvicorn protocol class with these deadlines (seconds) and caps; a new tally per call."""
    tally = Tally()

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        stats = tally

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._deadline: asyncio.TimerHandle | None = None
            self._counted = self.client[0] if self.client else "?"
            tally.open += 1
            tally.per_client[self._counted] = tally.per_client.get(self._counted, 0) + 1
            mine = tally.waiting_of.get(self._counted, {})
            if not self._room(tally.per_client[self._counted] > per_client, mine) or not self._room(tally.open > total, tally.waiting):
                tally.refused += 1
                transport.abort()
                return
            self._wait_for_headers()

        @staticmethod
        def _room(over: bool, waiting: Any) -> bool:
            """Whether a new connection may stay: not ``over`` the cap, or after closing the oldest of ``waiting``."""
            if not over:
                return True
            if not waiting:
                return False
            oldest = next(iter(waiting.values()))
            oldest._disarm()
            tally.refused += 1
            oldest.transport.abort()
            return True

        def _wait_for_headers(self) -> None:
            self._arm(header_timeout, "headers")
            for waiting in (tally.waiting, tally.waiting_of.setdefault(self._counted, OrderedDict())):
                waiting[id(self)] = self
                waiting.move_to_end(id(self))

        def _arm(self, seconds: float, what: str) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline = self.loop.call_later(seconds, self._expired, what)

        def _disarm(self) -> None:
            tally.waiting.pop(id(self), None)
            mine = tally.waiting_of.get(self._counted)
            if mine is not None:
                mine.pop(id(self), None)
                if not mine:
                    del tally.waiting_of[self._counted]
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self, what: str) -> None:
            self._deadline = None
            if what == "body" and self.flow is not None and self.flow.read_paused:
                self._arm(body_timeout, what)  # the app is not reading now: not the client's delay
                return
            self._disarm()
            if not self.transport.is_closing():
                tally.timed_out += 1
                logger.info("closed a connection from %s: no complete request %s in time", self._counted, what)
                self.transport.abort()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if id(self) not in tally.waiting:  # a further request on a kept-alive connection
                self._wait_for_headers()

        def on_headers_complete(self) -> None:
            self._disarm()
            self._arm(body_timeout, "body")
            super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            self._arm(body_timeout, "body")
            super().on_body(body)

        def on_message_complete(self) -> None:
            self._disarm()
            super().on_message_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            if getattr(self, "_counted", None) is not None:
                self._disarm()
                tally.open -= 1
                left = tally.per_client.get(self._counted, 1) - 1
                if left > 0:
                    tally.per_client[self._counted] = left
                else:
                    tally.per_client.pop(self._counted, None)
                self._counted = None
            super().connection_lost(exc)

    return GuardedHttpToolsProtocol


def raise_open_file_limit() -> int:
    """Raise this process's soft limit on open files to the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:
            logger.debug("cannot raise the open-file limit: %s", exc)
    return soft
