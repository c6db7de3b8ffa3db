"""What belongs to one browser session, and what the process shares.

Per session (``st.session_state``): the chat history, the chosen workspace and profile, and a
temporary folder for chat attachments and the tab's conversations under
``<data_dir>/ui-sessions/<key>/`` (the key: a hash of the tab's URL token and the user, so a reload finds it). The folder is
removed when the session ends: a sweeper thread deletes it once the browser has been gone for
Streamlit's reconnect window (``server.disconnectedSessionTTL``, 120 s by default), and it goes
with the session state when that is garbage collected; also on the chat's "clear" button and at
process exit. Folders left by a crashed process are swept at start.

Per process (``st.cache_resource``): one :class:`Assistant` per workspace and profile, holding
models and the store client only, never a user's question, upload or answer.

Example:
    >>> files = SessionFiles(Path("/tmp/modalyst-ui"))   # doctest: +SKIP
    >>> files.save("chart.png", b"...")                  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import shutil
import threading
import time
import weakref
from pathlib import Path
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from assistant.api_keys import is_loopback
from assistant.errors import SettingsError
from assistant.orchestrator import Assistant
from assistant.private import private_write
from assistant.settings import Settings, load_settings
from ui.signin import key_sessions, key_table
from ui.conversation_store import TOKEN_PARAM, Conversation, folder_key, new_token, valid_token

logger = logging.getLogger(__name__)

SESSIONS_FOLDER = "ui-sessions"
LIBRARY_FOLDER = "library"
STALE_SECONDS = 24 * 3600
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file name without folders or odd characters (``../a b.png`` → ``a_b.png``)."""
    cleaned = _UNSAFE.sub("_", Path(name).name).strip("._")
    return cleaned[:120] or "file"


_FOLDER_USERS: dict[str, int] = {}  # folder -> live SessionFiles using it (a reloaded tab's two sessions)
_FOLDER_USERS_LOCK = threading.Lock()


def _release(path: str) -> None:
    """Remove ``path`` once no live session uses it (the old session of a reloaded tab goes first)."""
    with _FOLDER_USERS_LOCK:
        left = _FOLDER_USERS.get(path, 1) - 1
        if left > 0:
            _FOLDER_USERS[path] = left
            return
        _FOLDER_USERS.pop(path, None)
    shutil.rmtree(path, ignore_errors=True)


class SessionFiles:
    """A private temporary folder for one browser tab (``name``: its key; random when not given);
    removed with the session. A reload's new session opens the same folder by the same name."""

    def __init__(self, root: Path, name: str | None = None) -> None:
        self.path = root / (name or secrets.token_hex(12))
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _FOLDER_USERS_LOCK:
            _FOLDER_USERS[str(self.path)] = _FOLDER_USERS.get(str(self.path), 0) + 1
        self._finalizer = weakref.finalize(self, _release, str(self.path))

    def save(self, name: str, data: bytes) -> Path:
        """Write an upload under a fresh sub-folder (so equal names never collide); return its path."""
        return private_write(self.path / secrets.token_hex(4) / safe_name(name), data)  # 0700 folder, 0600 file

    def clear(self) -> None:
        """Delete every file of this session, keeping the (empty) folder."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)

    def remove(self) -> None:
        self._finalizer()


class SessionSweeper:
    """Removes the folder of a browser session once the session has been gone for ``grace`` seconds.

    Streamlit keeps a disconnected session (for a reconnect) for ``server.disconnectedSessionTTL``
    seconds, but drops it only when some other session later disconnects, so a single user's files
    could outlive the tab by hours; this sweeper does not wait for that.
    """

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self._folders: dict[str, tuple[Path, float | None]] = {}
        self._lock = threading.Lock()

    def register(self, session_id: str, folder: Path) -> None:
        """Watch ``folder`` for ``session_id``; a reloaded tab's new session takes the folder over."""
        with self._lock:
            for other, (known, _) in list(self._folders.items()):
                if known == folder and other != session_id:
                    del self._folders[other]
            self._folders[session_id] = (folder, None)

    def sweep(self, is_active: Callable[[str], bool], now: float) -> list[Path]:
        """Delete the folders of sessions inactive for ``grace`` seconds; returns them."""
        removed = []
        with self._lock:
            for session_id, (folder, gone_since) in list(self._folders.items()):
                if is_active(session_id):
                    self._folders[session_id] = (folder, None)
                elif gone_since is None:
                    self._folders[session_id] = (folder, now)
                elif now - gone_since >= self.grace:
                    shutil.rmtree(folder, ignore_errors=True)
                    del self._folders[session_id]
                    removed.append(folder)
        return removed

    def run_forever(self, is_active: Callable[[str], bool], every: float) -> None:
        while True:
            time.sleep(every)
            try:
                for folder in self.sweep(is_active, time.monotonic()):
                    logger.info("removed the files of an ended browser session (%s)", folder.name)
            except Exception:  # the sweeper must outlive a failed round
                logger.exception("sweeping ended sessions failed")


# -- process-wide, no user data ---------------------------------------------------------------------
@st.cache_resource
def session_sweeper() -> SessionSweeper:
    """One sweeper thread per process, with Streamlit's own reconnect window as the grace period."""
    from streamlit import runtime

    grace = float(st.get_option("server.disconnectedSessionTTL"))
    sweeper = SessionSweeper(grace)
    thread = threading.Thread(
        target=sweeper.run_forever, args=(runtime.get_instance().is_active_session, max(1.0, min(30.0, grace / 2))), daemon=True
    )
    thread.start()
    return sweeper



@st.cache_resource(show_spinner="Loading models …")
def get_assistant(workspace: str, profile: str, data_dir: str) -> Assistant:
    """One assistant per workspace (and profile, data folder) per process: models and the store
    client, no user data."""
    return Assistant(load_settings({"workspace": workspace, "profile": profile, "data_dir": data_dir}))


@st.cache_resource
def workspace_lock(workspace: str) -> threading.Lock:
    """Serialises streamed answers in one workspace (the answerer's token callback is shared)."""
    return threading.Lock()


@st.cache_resource
def sweep_stale_sessions(data_dir: str) -> int:
    """Remove session folders older than a day (left by a crashed process); runs once per process."""
    root = Path(data_dir) / SESSIONS_FOLDER
    removed = 0
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir() and time.time() - folder.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
    return removed


# -- this browser session ---------------------------------------------------------------------------
def current_settings() -> Settings:
    """Settings for this session: file and env, then the workspace and profile chosen in the UI."""
    state = st.session_state
    try:
        settings = load_settings({"workspace": state.get("workspace"), "profile": state.get("profile")})
    except SettingsError:
        state.pop("workspace", None)
        state.pop("profile", None)
        settings = load_settings()
    allowed = allowed_workspaces()  # every page reads its workspace here: never one not open to the user
    if allowed is not None and settings.workspace not in allowed:
        if not allowed:
            raise SettingsError("no workspace is open to you: sign in, or ask an administrator")
        state["workspace"] = allowed[0]
        settings = settings.model_copy(update={"workspace": allowed[0]})
    return settings


def assistant() -> Assistant:
    settings = current_settings()
    return get_assistant(settings.workspace, settings.profile, str(settings.data_dir))


def tab_token() -> str:
    """This tab's token, kept in the URL (``?c=…``) on every page so that a reload finds its conversation."""
    state = st.session_state
    token = state.get("tab_token")
    if token is None:
        given = st.query_params.get(TOKEN_PARAM)
        token = given if valid_token(given) else new_token()
        state["tab_token"] = token
    if st.query_params.get(TOKEN_PARAM) != token:
        st.query_params[TOKEN_PARAM] = token
    return token


def _user() -> str:
    try:
        return str(st.user.get("email") or "") if sign_in_required() and st.user.is_logged_in else ""
    except Exception:  # no user info outside a running app
        return ""


def session_files() -> SessionFiles:
    state = st.session_state
    token = tab_token()
    if "session_files" not in state:
        settings = current_settings()
        sweep_stale_sessions(str(settings.data_dir))
        state["session_files"] = SessionFiles(settings.data_dir / SESSIONS_FOLDER, folder_key(token, _user()))
        context = get_script_run_ctx()
        if context is not None:  # None outside a running app (AppTest sessions end with the test)
            session_sweeper().register(context.session_id, state["session_files"].path)
    return state["session_files"]


def conversation(workspace: str) -> Conversation:
    """This tab's conversation in ``workspace`` (one per workspace; kept in the session's folder)."""
    return Conversation(session_files().path / "conversations" / f"{workspace}.json")


def clear_session() -> None:
    """Forget this tab's chats (every workspace), their previews, and delete the uploaded files."""
    st.session_state.pop("previews", None)
    session_files().clear()


def previews() -> dict[Any, Any]:
    """Per-session memo of rendered pages and chart tables (user data stays in the session)."""
    return st.session_state.setdefault("previews", {})


_KEPT = re.compile(r"^[0-9a-f]{16}-")


def display_name(path: str | Path) -> str:
    """A source's file name as the user uploaded it (without the library copy's hash prefix)."""
    return _KEPT.sub("", Path(path).name)


def keep_in_library(settings: Settings, name: str, data: bytes) -> Path:
    """Store an ingested upload under ``<data_dir>/library/<workspace>/<hash>-<name>`` so that
    its citations (audio player, page image) stay readable after the session ends."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    target = settings.data_dir / LIBRARY_FOLDER / settings.workspace / f"{digest}-{safe_name(name)}"
    if not target.exists():
        private_write(target, data)  # 0700 folders, 0600 file
    return target


# -- optional sign-in -------------------------------------------------------------------------------
def oidc_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section (OIDC via ``st.login``)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own not-found error
        return False


def sign_in_required() -> bool:
    """True when OIDC is configured or ``MODALYST_API_KEYS`` holds keys (the key form)."""
    return oidc_configured() or bool(key_table())


def oidc_user_unverified() -> bool:
    """An OIDC user is signed in whose provider does not vouch for the e-mail (``email_verified``)."""
    return oidc_configured() and bool(st.user.get("is_logged_in")) and st.user.get("email_verified") is not True


def signed_in_workspaces() -> list[str] | None:
    """The workspaces of whoever is signed in in this browser session; None when nobody is.

    OIDC: ``[workspaces]`` in secrets (e-mail → list, ``"*"`` for everyone else), for a verified
    e-mail only. Key: the workspaces of the key used in the key form."""
    if oidc_configured() and st.user.get("is_logged_in") and not oidc_user_unverified():
        table = st.secrets.get("workspaces", {})
        email = str(st.user.get("email") or "").lower()
        for key, names in table.items():
            if key.lower() == email:
                return [str(n) for n in names]
        return [str(n) for n in table.get("*", [])]
    spaces = key_sessions().workspaces(st.session_state.get("signin_token"))
    return None if spaces is None else list(spaces)


def allowed_workspaces() -> list[str] | None:
    """Workspaces this session may open: ``None`` when sign-in is off (single user: any workspace),
    ``[]`` when sign-in is on and nobody (or nobody verified) is signed in."""
    if not sign_in_required():
        return None
    return signed_in_workspaces() or []


def server_paths_allowed() -> bool:
    """Whether the Library may ingest a path on this machine: only when the UI listens on loopback,
    and then without sign-in, or with it when an administrator set ``ui_server_paths``."""
    if not is_loopback(str(st.get_option("server.address") or "")):
        return False
    return not sign_in_required() or load_settings().ui_server_paths


def check_workspace(name: str) -> Settings:
    """Validated settings for switching to workspace ``name``; raises SettingsError with a reason."""
    settings = load_settings({"workspace": name, "profile": st.session_state.get("profile")})
    allowed = allowed_workspaces()
    if allowed is not None and settings.workspace not in allowed:
        raise SettingsError(f"workspace {name!r} is not open to you; yours: {', '.join(allowed) or 'none'}")
    return settings
