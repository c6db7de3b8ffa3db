"""Request guards of the HTTP API: API keys, the body size limit and the disk cap of uploads.

API keys (parsed in ``assistant.api_keys``): each key opens a set of workspaces; without keys the API binds to loopback only.

Keys come from the ``keys`` argument of ``create_app`` or the env ``MODALYST_API_KEYS``
(``"key1:ws1,ws2;key2:ws3"``). A request names its key in ``Authorization: Bearer <key>`` or ``X-API-Key``.

Example:
    >>> parse_keys("k1:alpha,beta;k2:gamma") == {"k1": {"alpha", "beta"}, "k2": {"gamma"}}
    True
    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0")
    (True, False)
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Mapping

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers

from assistant.api_keys import KEYS_ENV, KeyTable, check_keys, is_loopback, parse_keys, resolve_keys  # noqa: F401 (this module's API)
from assistant.errors import BadInputError

# Besides /v1/...: the API's description and its page need the same key (their assets do not).
KEYED_PATHS = frozenset({"/docs", "/openapi.json"})


_BEARER = HTTPBearer(auto_error=False, description="Authorization: Bearer KEY")
_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: KEY")


class KeyChecker:
    """A FastAPI dependency: the workspaces the request's key opens, or None when the API is open."""

    def __init__(self, keys: Mapping[str, set[str]]) -> None:
        self._table = KeyTable(keys)

    @property
    def open(self) -> bool:
        return not self._table

    def __call__(
        self,
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None,
        api_key: Annotated[str | None, Depends(_API_KEY)] = None,
    ) -> frozenset[str] | None:
        return self.lookup(request.headers)

    def lookup(self, headers: Mapping[str, str]) -> frozenset[str] | None:
        """The workspaces of the key in ``headers``; 401 when it is missing or unknown."""
        if self.open:
            return None
        given = _presented_key(headers)
        if not given:
            raise HTTPException(401, "an API key is required (Authorization: Bearer KEY or X-API-Key)", {"WWW-Authenticate": "Bearer"})
        found = self._table.workspaces_of(given)
        if found is None:
            raise HTTPException(401, "unknown API key", {"WWW-Authenticate": "Bearer"})
        return found


class KeyGate:
    """ASGI middleware: 401 for ``/v1/`` requests without a known key before their body is read."""

    def __init__(self, app: Any, checker: KeyChecker) -> None:
        self.app = app
        self.checker = checker

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (scope["path"].startswith("/v1/") or scope["path"] in KEYED_PATHS):
            try:
                self.checker.lookup(Headers(scope=scope))
            except HTTPException as exc:
                await JSONResponse({"error": exc.detail}, exc.status_code, headers=exc.headers)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def authorize(allowed: frozenset[str] | None, workspace: str) -> None:
    """403 unless the key opens ``workspace`` (an open API opens every workspace)."""
    if allowed is not None and workspace not in allowed:
        raise HTTPException(403, f"this API key does not open workspace {workspace!r}")


def _presented_key(headers: Mapping[str, str]) -> str:
    header = headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return headers.get("x-api-key", "").strip()


class UploadTooLargeError(BadInputError):
    """A request body over the upload limit (HTTP 413)."""


class InsufficientStorageError(BadInputError):
    """Uploads in progress would pass the disk cap, or the disk is nearly full (HTTP 507)."""


class DiskBudget:
    """The bytes that uploads in progress hold on disk, across requests, under one cap; the disk
    itself keeps ``reserve`` bytes free.

    >>> budget = DiskBudget(cap=10, reserve=0)
    >>> budget.take(8, "/tmp"); budget.held
    8
    >>> budget.take(3, "/tmp")
    Traceback (most recent call last):
    ...
    assistant.server_auth.InsufficientStorageError: uploads in progress would pass the cap of 10 bytes on disk; try again later
    >>> budget.give(8); budget.held
    0
    """

    def __init__(self, cap: int, reserve: int = 256 * 2**20) -> None:
        self.cap = cap
        self.reserve = reserve
        self.held = 0
        self._lock = threading.Lock()

    def take(self, size: int, folder: str | os.PathLike[str]) -> None:
        with self._lock:
            if self.held + size > self.cap:
                raise InsufficientStorageError(f"uploads in progress would pass the cap of {megabytes(self.cap)} on disk; try again later")
            if self.reserve and shutil.disk_usage(folder).free - size < self.reserve:
                raise InsufficientStorageError(f"the disk holding the data folder has less than {megabytes(self.reserve)} free")
            self.held += size

    def give(self, size: int) -> None:
        with self._lock:
            self.held = max(0, self.held - size)


def megabytes(size: int) -> str:
    """A size for messages: ``200 MB``, or bytes under one MB."""
    return f"{size / 2**20:g} MB" if size >= 2**20 else f"{size} bytes"


class BodyLimit:
    """ASGI middleware: 413 for a body over ``limit`` bytes, by its Content-Length or as it streams in."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"the upload is larger than the limit of {megabytes(self.limit)}"
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await JSONResponse({"error": message}, 413)(scope, receive, send)
            return
        state = {"seen": 0, "over": False, "started": False}

        async def counted() -> dict[str, Any]:
            event = await receive()
            if event["type"] == "http.request":
                state["seen"] += len(event.get("body", b""))
                if state["seen"] > self.limit:
                    state["over"] = True
                    raise UploadTooLargeError(message)
            return event

        async def replaced(event: dict[str, Any]) -> None:
            if not state["over"]:  # the app's own answer
                state["started"] = True
                await send(event)
            elif event["type"] == "http.response.start":  # whatever the app made of the cut-off body: 413
                state["started"] = True
                await JSONResponse({"error": message}, 413)(scope, receive, send)

        try:
            await self.app(scope, counted, replaced)
        except UploadTooLargeError:
            if state["started"]:
                raise
            await JSONResponse({"error": message}, 413)(scope, receive, send)
