"""API keys, without the web framework: parsing ``MODALYST_API_KEYS`` and finding a key's workspaces.

Shared by the HTTP API (``assistant.server_auth``) and the UI's key sign-in, which must not need
FastAPI. Each key opens a set of workspaces: ``"key1:ws1,ws2;key2:ws3"``.

Example:
    >>> parse_keys("k1:alpha,beta;k2:gamma") == {"k1": {"alpha", "beta"}, "k2": {"gamma"}}
    True
    >>> table = KeyTable({"k1": {"alpha"}})
    >>> table.workspaces_of("k1"), table.workspaces_of("k2")
    (frozenset({'alpha'}), None)
    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0")
    (True, False)
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Mapping

from assistant.errors import SettingsError
from assistant.settings import WORKSPACE_PATTERN

KEYS_ENV = "MODALYST_API_KEYS"


def parse_keys(text: str) -> dict[str, set[str]]:
    """``"key1:ws1,ws2;key2:ws3"`` as a dict; a malformed entry raises naming its position (never the key)."""
    keys: dict[str, set[str]] = {}
    for position, entry in enumerate((e.strip() for e in text.split(";")), start=1):
        if not entry:
            continue
        key, sep, spaces = entry.partition(":")
        key = key.strip()
        workspaces = {w.strip() for w in spaces.split(",") if w.strip()}
        if not sep or not key or any(c.isspace() for c in key) or not workspaces:
            raise SettingsError(f"{KEYS_ENV} entry {position} is malformed; use KEY:WS1,WS2;KEY2:WS3")
        check_keys({key: workspaces}, f"{KEYS_ENV} entry {position}")
        keys.setdefault(key, set()).update(workspaces)
    return keys


def check_keys(keys: Mapping[str, set[str]], where: str = "API keys") -> None:
    """Every key is non-empty and every workspace a valid workspace name."""
    for key, workspaces in keys.items():
        if not key or not workspaces:
            raise SettingsError(f"{where}: each key needs a non-empty value and at least one workspace")
        bad = sorted(w for w in workspaces if not WORKSPACE_PATTERN.fullmatch(w))
        if bad:
            raise SettingsError(f"{where}: workspace {bad[0]!r} is invalid: use 1-63 letters, digits, '-' or '_'")


def resolve_keys(keys: Mapping[str, set[str]] | None, environ: Mapping[str, str] | None = None) -> dict[str, set[str]]:
    """The ``keys`` argument when given, else the keys in ``MODALYST_API_KEYS``; empty means an open API."""
    if keys is not None:
        check_keys(keys)
        return {k: set(v) for k, v in keys.items()}
    environ = os.environ if environ is None else environ
    return parse_keys(environ.get(KEYS_ENV, ""))


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class KeyTable:
    """The configured keys; :meth:`workspaces_of` compares a given key with every one in constant time."""

    def __init__(self, keys: Mapping[str, set[str]]) -> None:
        self._keys = [(k.encode("utf-8"), frozenset(v)) for k, v in keys.items()]

    def __bool__(self) -> bool:
        return bool(self._keys)

    def workspaces_of(self, given: str) -> frozenset[str] | None:
        """The workspaces ``given`` opens, or None for an unknown key (timing says nothing about which)."""
        found: frozenset[str] | None = None
        candidate = given.encode("utf-8")
        for key, workspaces in self._keys:
            if hmac.compare_digest(key, candidate):
                found = workspaces
        return found
