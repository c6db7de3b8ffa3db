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
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import BackendUnavailableError, BadInputError, ModalystError, SettingsError
from assistant.input_checks import check_question
from assistant.extract import file_hash
from assistant.orchestrator import Assistant
from assistant.host_guard import RequestGuard, bound_hosts
from assistant.server_auth import (
    BodyLimit,
    DiskBudget,
    InsufficientStorageError,
    KeyChecker,
    KeyGate,
    UploadTooLargeError,
    authorize,
    is_loopback,
    resolve_keys,
)
from assistant.server_uploads import public, safe_name, uploads  # safe_name: part of this module's API
from assistant.private import private_umask
from assistant.settings import WORKSPACE_PATTERN, Settings
from assistant.types import Turn

logger = logging.getLogger(__name__)

# Largest request body (all uploaded files together); env MODALYST_MAX_UPLOAD_MB overrides.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
M_ARENA_MAX = -8  # glibc's mallopt parameter number
DOCS_ASSETS = "/docs/assets"


def create_app(
    settings: Settings,
    keys: dict[str, set[str]] | None = None,
    *,
    max_upload_bytes: int | None = None,
    hosts: Iterable[str] | None = None,
) -> FastAPI:
    """The FastAPI app serving ``settings``' data dir; ``keys`` maps each API key to the workspaces it opens.

    ``hosts``: the Host names to answer to (``serve`` passes the bound address's); None answers any
    Host (a test client). Origins other than the server's own and ``settings.allowed_origins`` are refused."""
    private_umask()  # the data folder's files are the owner's only (assistant/private.py)
    limit = max_upload_bytes or _env_upload_limit()
    checker = KeyChecker(resolve_keys(keys))
    app = FastAPI(
        title="modalyst",
        summary="Cited answers over calls, filings, charts and scans.",
        version="0.1.0",
        docs_url=None,  # served below from bundled assets, not a CDN
        redoc_url=None,
    )
    app.state.workspaces = Workspaces(settings)
    app.state.max_upload_bytes = limit
    app.state.disk = DiskBudget(int(settings.upload_disk_mb * 2**20))
    app.add_middleware(BodyLimit, limit=limit)
    app.add_middleware(KeyGate, checker=checker)  # no body is read for a request without a key
    app.add_middleware(RequestGuard, hosts=hosts, origins=settings.allowed_origins)  # outermost: Host and Origin first
    _add_error_handlers(app)
    _add_docs(app)
    _add_routes(app, checker)
    return app


def _add_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI 5 (OpenAPI 3.1) from the files the ``swagger-ui-py`` package ships, so it
    works offline; the package's own code is not imported, only its ``static`` folder served."""
    import importlib.util

    from fastapi.staticfiles import StaticFiles

    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise SettingsError("the API docs need swagger-ui-py: pip install 'swagger-ui-py==25.7.1'")
    assets = Path(next(iter(spec.submodule_search_locations))) / "static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="modalyst API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},  # no calls to the online validator
        )


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8080, keys: dict[str, set[str]] | None = None) -> None:
    """Run the API with uvicorn; refuses a non-loopback ``host`` when no API keys are configured."""
    resolved = resolve_keys(keys)
    if not resolved and not is_loopback(host):
        raise SettingsError(
            f"refusing to serve on {host} without API keys: set MODALYST_API_KEYS='KEY:WORKSPACE,...' or bind to 127.0.0.1"
        )
    import uvicorn

    from assistant.conn_guard import guarded_protocol, raise_open_file_limit

    limit_malloc_arenas()
    files = raise_open_file_limit()
    protocol = guarded_protocol(
        header_timeout=settings.request_timeout,
        body_timeout=settings.request_timeout,
        per_client=settings.client_connections,
        total=max(64, files - 256),  # leave descriptors for the store, models and uploads
    )
    app = create_app(settings, resolved, hosts=bound_hosts(host, settings.allowed_hosts))
    uvicorn.run(app, host=host, port=port, http=protocol, timeout_keep_alive=5, backlog=4096)


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
        if not WORKSPACE_PATTERN.fullmatch(name):
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
        text = check_question(question, bot.settings, has_audio=audio is not None)  # empty or too long: 400
        with uploads(request) as folder:
            turn = Turn(
                text=text,
                audio=str(folder.save(audio)) if audio is not None else None,
                images=tuple(str(folder.save(f)) for f in images or () if _given(f)),
                files=tuple(str(folder.save(f)) for f in files or () if _given(f)),
            )
            return public(folder.scrub(bot.ask(turn).to_dict()), request)

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
                return public(_ingest_saved(bot, saved, library), request)

    @app.get("/v1/sources", tags=["library"])
    def sources(request: Request, allowed: Key, workspace: WorkspaceQuery = None) -> list[dict[str, Any]]:
        """The sources of a workspace: the JSON of `modalyst sources --json`."""
        _, bot, _ = open_workspace(request, allowed, workspace)
        return public([s.to_dict() for s in bot.sources()], request)

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
        return public(gone.to_dict(), request)


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
        message = public(str(exc), request)
        if isinstance(exc, UploadTooLargeError):
            return error(413, message)
        if isinstance(exc, InsufficientStorageError):
            return error(507, message)
        if isinstance(exc, BadInputError):
            return error(400, message)
        logger.error("%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return error(503 if isinstance(exc, BackendUnavailableError) else 500, message)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("%s %s failed", request.method, request.url.path)
        return error(500, f"internal error ({type(exc).__name__}); see the server log")

