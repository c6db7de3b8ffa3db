"""Offline sign-in to the chat with the API's keys (``MODALYST_API_KEYS``), and its slow-down.

A key opens the same workspaces in the UI as in the API. The form is a password field, cleared on
submit; the key is compared with every configured key in constant time and is never shown, stored
or logged: a signed-in browser session holds only a random token that :class:`KeySessions` (in the
process) maps to the key's workspaces.

Failed attempts slow down (:class:`Throttle`): each failure from one client doubles the time it
must wait before its next attempt is even checked (0.5 s, 1 s, 2 s … capped at 60 s), every failure
costs its session one more second, and when more than ``burst`` attempts fail within ``window``
seconds from anywhere, every client waits ``global_wait`` seconds. The wait is told, never slept
through, so a flood of wrong keys ties up no thread.

Example:
    >>> clock = iter([0.0, 0.0, 0.1, 5.0]).__next__
    >>> throttle = Throttle(clock=clock)
    >>> throttle.failed("10.0.0.7"), throttle.failed("10.0.0.7")
    (1, 2)
    >>> round(throttle.wait("10.0.0.7"), 2), throttle.wait("10.0.0.7")
    (0.9, 0)
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from assistant.api_keys import KEYS_ENV, KeyTable, parse_keys

logger = logging.getLogger(__name__)

FAILURE_COST_S = 1.0  # each failed attempt also holds its own session this long
SESSION_HOURS = 12.0


class Throttle:
    """Per-client exponential back-off and a global brake on failed sign-ins (thread-safe)."""

    def __init__(self, base: float = 0.5, cap: float = 60.0, burst: int = 30, window: float = 60.0,
                 global_wait: float = 5.0, clients: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.base, self.cap, self.burst, self.window, self.global_wait = base, cap, burst, window, global_wait
        self._clients = clients
        self._clock = clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # client -> (count, next allowed)
        self._recent: deque[float] = deque()
        self._global_until = 0.0
        self._lock = threading.Lock()
        self.total_failures = 0
        self.refused_unchecked = 0

    def wait(self, client: str) -> float:
        """Seconds before ``client`` may try a key (0: now); a refused attempt is counted, not checked."""
        with self._lock:
            now = self._clock()
            _, until = self._failures.get(client, (0, 0.0))
            left = max(until, self._global_until) - now
            if left > 0:
                self.refused_unchecked += 1
                return left
            return 0

    def failed(self, client: str) -> int:
        """Record a wrong key from ``client``; returns its failures in a row."""
        with self._lock:
            now = self._clock()
            count = self._failures.pop(client, (0, 0.0))[0] + 1
            self._failures[client] = (count, now + min(self.cap, self.base * 2 ** (count - 1)))
            while len(self._failures) > self._clients:
                self._failures.popitem(last=False)
            self.total_failures += 1
            self._recent.append(now)
            while self._recent and self._recent[0] < now - self.window:
                self._recent.popleft()
            if len(self._recent) > self.burst:
                self._global_until = now + self.global_wait
            return count

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


@dataclass(frozen=True)
class KeySession:
    workspaces: tuple[str, ...]
    expires: float


class KeySessions:
    """Signed-in browser sessions: random token -> the workspaces of the key used (never the key)."""

    def __init__(self, hours: float = SESSION_HOURS, clock: Callable[[], float] = time.monotonic) -> None:
        self._hours = hours
        self._clock = clock
        self._sessions: dict[str, KeySession] = {}
        self._lock = threading.Lock()

    def open(self, workspaces: frozenset[str]) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            now = self._clock()
            self._sessions = {t: s for t, s in self._sessions.items() if s.expires > now}
            self._sessions[token] = KeySession(tuple(sorted(workspaces)), now + self._hours * 3600)
        return token

    def workspaces(self, token: object) -> tuple[str, ...] | None:
        """The workspaces of a live session's token; None for an unknown or expired one."""
        if not isinstance(token, str):
            return None
        with self._lock:
            found = self._sessions.get(token)
            if found is None or found.expires <= self._clock():
                self._sessions.pop(token, None)
                return None
            return found.workspaces

    def close(self, token: object) -> None:
        with self._lock:
            self._sessions.pop(str(token), None)


def wait_message(seconds: float) -> str:
    """What a client told to wait reads.

    >>> wait_message(0.2), wait_message(61)
    ('Too many failed sign-ins: try again in 1 s.', 'Too many failed sign-ins: try again in 61 s.')
    """
    return f"Too many failed sign-ins: try again in {max(1, math.ceil(seconds))} s."


# -- in the app ---------------------------------------------------------------------------------------
def key_table() -> KeyTable:
    """The keys of ``MODALYST_API_KEYS`` (read once per process and value)."""
    return _key_table(os.environ.get(KEYS_ENV, ""))


@st.cache_resource(show_spinner=False)
def _key_table(text: str) -> KeyTable:
    return KeyTable(parse_keys(text))


@st.cache_resource(show_spinner=False)
def throttle() -> Throttle:
    return Throttle()


@st.cache_resource(show_spinner=False)
def key_sessions() -> KeySessions:
    return KeySessions()


def key_form() -> None:
    """The key form; a right key opens a session of this browser tab on the key's workspaces."""
    with st.form("key_sign_in", clear_on_submit=True):
        st.text_input("API key", type="password", key="signin_key", help="The key an administrator gave you (as for the API).")
        st.form_submit_button("Sign in with key", type="primary", on_click=_check_key)
    message = st.session_state.pop("signin_message", None)
    if message:
        st.error(message)
    token = st.session_state.get("signin_token")
    if token is not None and key_sessions().workspaces(token) is not None:  # just signed in: open the app
        st.rerun()
    st.session_state.pop("signin_token", None)  # an expired (or made-up) one


def _check_key() -> None:
    """The submit button's callback (it runs before the script): checks the key and blanks the field,
    so the key is held nowhere after this call."""
    given = str(st.session_state.get("signin_key") or "").strip()
    st.session_state["signin_key"] = ""
    address = st.context.ip_address
    client = address if isinstance(address, str) and address else "local"  # None on localhost
    brake = throttle()
    wait = brake.wait(client)
    if wait > 0:
        st.session_state["signin_message"] = wait_message(wait)
        return
    workspaces = key_table().workspaces_of(given) if given else None
    if workspaces is None:
        count = brake.failed(client)
        logger.warning("failed key sign-in from %s (%d in a row, %d in all)", client, count, brake.total_failures)
        time.sleep(FAILURE_COST_S)
        st.session_state["signin_message"] = "That key is not known. " + (wait_message(brake.wait(client)) if count > 1 else "")
        return
    brake.succeeded(client)
    st.session_state["signin_token"] = key_sessions().open(workspaces)
    logger.info("key sign-in from %s", client)


def sign_out() -> None:
    key_sessions().close(st.session_state.pop("signin_token", None))
