"""The HTTP API (``modalyst serve``): the CLI's commands over HTTP, with the CLI's JSON shapes.

Routes: ``POST /v1/ask``, ``POST /v1/ingest``, ``GET /v1/sources``, ``DELETE /v1/sources/{id}``,
``GET /healthz``; OpenAPI docs at ``/docs``. API keys (see ``assistant.server_auth``) open workspaces;
without keys the API is open and ``serve`` binds to loopback only. Errors are ``{"error": "<one line>"}``.

Uploads go to ``<data_dir>/uploads/<random>/`` under sanitised names and are deleted when the request ends;
ingested files are kept in ``<data_dir>/library/<workspace>/<content hash>-<name>`` so citations stay readable.

Example:
    >>> app = create_app(load_settings({"data_dir": "/tmp/modalyst"}))   # doctest: +SKIP
    >>> serve(load_settings(), port=8080)                                # doctest: +SKIP
"""

import logging
import os
import re
import secrets
import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import BackendUnavailableError, BadInputError, ModalystError, SettingsError
from assistant.extract import file_hash
from assistant.orchestrator import Assistant
from assistant.server_auth import BodyLimit, KeyChecker, KeyGate, UploadTooLargeError, authorize, is_loopback, megabytes, resolve_keys
from assistant.settings import WORKSPACE_PATTERN, Settings
from assistant.types import Turn

logger = logging.getLogger(__name__)

# Largest request body (all uploaded files together); env MODALYST_MAX_UPLOAD_MB overrides.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
COPY_BLOCK = 1 << 20
M_ARENA_MAX = -8  # glibc's mallopt parameter number
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def create_app(
    settings: Settings,
    keys: dict[str, set[str]] | None = None,
    *,
    max_upload_bytes: int | None = None,
) -> FastAPI:
    """The FastAPI app serving ``settings``' data dir; ``keys`` maps each API key to the workspaces it opens."""
    limit = max_upload_bytes or _env_upload_limit()
    checker = KeyChecker(resolve_keys(keys))
    app = FastAPI(
        title="modalyst",
        summary="Cited answers over calls, filings, charts and scans.",
        version="0.1.0",
    )
    app.state.workspaces = Workspaces(settings)
    app.state.max_upload_bytes = limit
    app.add_middleware(BodyLimit, limit=limit)
    app.add_middleware(KeyGate, checker=checker)  # outermost: no body is read for a request without a key
    _add_error_handlers(app)
    _add_routes(app, checker)
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8080, keys: dict[str, set[str]] | None = None) -> None:
    """Run the API with uvicorn; refuses a non-loopback ``host`` when no API keys are configured."""
    resolved = resolve_keys(keys)
    if not resolved and not is_loopback(host):
        raise SettingsError(
            f"refusing to serve on {host} without API keys: set MODALYST_API_KEYS='KEY:WORKSPACE,...' or bind to 127.0.0.1"
        )
    import uvicorn

    limit_malloc_arenas()
    uvicorn.run(create_app(settings, resolved), host=host, port=port)


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas (unless ``MALLOC_ARENA_MAX`` is set). Each request thread otherwise
    gets an arena of its own and freed memory stays scattered over them: bench/load.py saw the
    server's RSS creep +11% in 60 s of asking and ingesting, +1% with two arenas. False when not glibc."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        import ctypes

        return bool(ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def _env_upload_limit() -> int:
    text = os.environ.get("MODALYST_MAX_UPLOAD_MB", "")
    if not text:
        return MAX_UPLOAD_BYTES
    try:
        limit = int(float(text) * 2**20)
    except ValueError:
        limit = 0
    if limit <= 0:
        raise SettingsError(f"MODALYST_MAX_UPLOAD_MB={text!r} is invalid: use a positive number of megabytes")
    return limit


# -- workspaces: one Assistant each, a lock each --------------------------------------------------
class Workspaces:
    """One Assistant per workspace per process, and a lock per workspace serialising its writes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._bots: dict[str, tuple[Assistant, threading.Lock]] = {}
        self._guard = threading.Lock()

    def name(self, workspace: str | None) -> str:
        name = workspace or self.settings.workspace
        if not WORKSPACE_PATTERN.match(name):
            raise BadInputError(f"workspace {name!r} is invalid: use 1-63 letters, digits, '-' or '_'")
        return name

    def get(self, workspace: str) -> tuple[Assistant, threading.Lock]:
        with self._guard:
            if workspace not in self._bots:
                bot = Assistant(self.settings.model_copy(update={"workspace": workspace}))
                bot.store.count()  # open the store here, once, not in racing requests
                self._bots[workspace] = (bot, threading.Lock())
            return self._bots[workspace]

    def library(self, workspace: str) -> Path:
        """Where ingested uploads of ``workspace`` are kept."""
        return self.data_dir / "library" / workspace

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir.resolve()


# -- uploads --------------------------------------------------------------------------------------
def safe_name(name: str | None) -> str:
    """The base name of an uploaded file name, in safe characters: no folders, no leading dots.

    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\x\\\\Q1 report.pdf"), safe_name("..")
    ('passwd', 'Q1_report.pdf', 'upload')
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = SAFE_NAME.sub("_", base).lstrip("._-")[-120:]
    return base or "upload"


class Uploads:
    """A per-request folder under ``<data_dir>/uploads``; removed by ``close``."""

    def __init__(self, data_dir: Path, limit: int) -> None:
        self.folder = data_dir / "uploads" / secrets.token_hex(12)
        self.folder.mkdir(parents=True)
        self._limit = limit
        self._written = 0

    def save(self, upload: UploadFile) -> Path:
        name = safe_name(upload.filename)
        target = self.folder / name
        stem, suffix, n = target.stem, target.suffix, 1
        while target.exists():
            target, n = self.folder / f"{stem}-{n}{suffix}", n + 1
        with target.open("xb") as out:
            while block := upload.file.read(COPY_BLOCK):
                self._written += len(block)
                if self._written > self._limit:
                    raise UploadTooLargeError(f"the upload is larger than the limit of {megabytes(self._limit)}")
                out.write(block)
        return target

    def scrub(self, data: Any) -> Any:
        """``data`` with this folder's paths shortened to bare file names (they are gone after the request)."""
        prefix = f"{self.folder}{os.sep}"
        if isinstance(data, str):
            return data.replace(prefix, "")
        if isinstance(data, list):
            return [self.scrub(v) for v in data]
        if isinstance(data, dict):
            return {k: self.scrub(v) for k, v in data.items()}
        return data

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def uploads(request: Request) -> Iterator[Uploads]:
    folder = Uploads(request.app.state.workspaces.data_dir, request.app.state.max_upload_bytes)
    try:
        yield folder
    except ModalystError as exc:
        raise type(exc)(folder.scrub(str(exc))) from exc
    finally:
        folder.close()


# -- routes ---------------------------------------------------------------------------------------
def _add_routes(app: FastAPI, checker: KeyChecker) -> None:
    Key = Annotated[frozenset[str] | None, Depends(checker)]
    Workspace = Annotated[str | None, Form(description="Workspace (default: the server's).")]
    WorkspaceQuery = Annotated[str | None, Query(description="Workspace (default: the server's).")]

    def open_workspace(request: Request, allowed: frozenset[str] | None, workspace: str | None) -> tuple[str, Assistant, threading.Lock]:
        spaces: Workspaces = request.app.state.workspaces
        name = spaces.name(workspace)
        authorize(allowed, name)
        return (name, *spaces.get(name))

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.post("/v1/ask", tags=["ask"])
    def ask(
        request: Request,
        allowed: Key,
        question: Annotated[str | None, Form(description="The question (optional with audio).")] = None,
        images: Annotated[list[UploadFile] | None, File(description="Images to read for this question.")] = None,
        audio: Annotated[UploadFile | None, File(description="A recorded question.")] = None,
        files: Annotated[list[UploadFile] | None, File(description="Documents to read for this question only.")] = None,
        workspace: Workspace = None,
    ) -> dict[str, Any]:
        """Answer a question with citations: the JSON of `modalyst ask --json`."""
        _, bot, _ = open_workspace(request, allowed, workspace)
        audio = audio if _given(audio) else None
        if not (question or "").strip() and audio is None:
            raise BadInputError("the question is empty; give a question or an audio file")
        with uploads(request) as folder:
            turn = Turn(
                text=question or None,
                audio=str(folder.save(audio)) if audio is not None else None,
                images=tuple(str(folder.save(f)) for f in images or () if _given(f)),
                files=tuple(str(folder.save(f)) for f in files or () if _given(f)),
            )
            return folder.scrub(bot.ask(turn).to_dict())

    @app.post("/v1/ingest", tags=["library"])
    def ingest(
        request: Request,
        allowed: Key,
        files: Annotated[list[UploadFile], File(description="Files to add (audio, PDF, images, text).")],
        workspace: Workspace = None,
    ) -> dict[str, Any]:
        """Add files to a workspace (idempotent by content hash): the JSON of `modalyst ingest --json`."""
        name, bot, lock = open_workspace(request, allowed, workspace)
        given = [f for f in files if _given(f)]
        if not given:
            raise BadInputError("no files were uploaded")
        library = request.app.state.workspaces.library(name)
        with uploads(request) as folder:
            saved = [folder.save(f) for f in given]
            library.mkdir(parents=True, exist_ok=True)
            with lock:
                return _ingest_saved(bot, saved, library)

    @app.get("/v1/sources", tags=["library"])
    def sources(request: Request, allowed: Key, workspace: WorkspaceQuery = None) -> list[dict[str, Any]]:
        """The sources of a workspace: the JSON of `modalyst sources --json`."""
        _, bot, _ = open_workspace(request, allowed, workspace)
        return [s.to_dict() for s in bot.sources()]

    @app.delete("/v1/sources/{source_id}", tags=["library"])
    def forget(request: Request, source_id: str, allowed: Key, workspace: WorkspaceQuery = None) -> dict[str, Any]:
        """Remove a source (by id or its first 6+ characters) and its chunks; returns the removed source."""
        name, bot, lock = open_workspace(request, allowed, workspace)
        with lock:
            try:
                gone = bot.forget(source_id)
            except BadInputError as exc:
                raise HTTPException(404, str(exc)) from None
            kept = Path(gone.path)
            if kept.parent == request.app.state.workspaces.library(name):
                kept.unlink(missing_ok=True)
        return gone.to_dict()


def _given(upload: UploadFile | None) -> bool:
    """False for the empty file part a browser form sends when no file was chosen."""
    return upload is not None and bool(upload.filename or upload.size)


def _ingest_saved(bot: Assistant, saved: list[Path], library: Path) -> dict[str, Any]:
    """Move uploads into the library under ``<hash>-<name>``, ingest them, keep only the files sources point to."""
    named: dict[Path, str] = {}
    created: set[Path] = set()
    for path in saved:
        target = library / f"{file_hash(path)}-{path.name}"
        if not target.exists():
            os.replace(path, target)
            created.add(target)
        named[target] = path.name
    report = bot.ingest(list(named))
    in_use = {s.path for s in (*report.added, *report.skipped)}
    for target in created - {Path(p) for p in in_use}:
        target.unlink(missing_ok=True)
    data = report.to_dict()
    data["failed"] = [
        {"path": named.get(Path(f["path"]), Path(f["path"]).name), "error": _shorten(f["error"], named)} for f in data["failed"]
    ]
    return data


def _shorten(text: str, named: dict[Path, str]) -> str:
    for target, name in named.items():
        text = text.replace(str(target), name)
    return text


# -- errors ---------------------------------------------------------------------------------------
def one_line(text: str, limit: int = 500) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _add_error_handlers(app: FastAPI) -> None:
    def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
        return JSONResponse({"error": one_line(message)}, status, headers=dict(headers or {}))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
        return error(422, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(ModalystError)
    async def modalyst_error(request: Request, exc: ModalystError) -> JSONResponse:
        if isinstance(exc, UploadTooLargeError):
            return error(413, str(exc))
        if isinstance(exc, BadInputError):
            return error(400, str(exc))
        logger.error("%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return error(503 if isinstance(exc, BackendUnavailableError) else 500, str(exc))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("%s %s failed", request.method, request.url.path)
        return error(500, f"internal error ({type(exc).__name__}); see the server log")

