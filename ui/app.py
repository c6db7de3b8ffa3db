"""The Streamlit app: Chat, Library and Settings pages (``st.navigation``).

Run with ``modalyst ui`` (binds to 127.0.0.1). Talks to ``assistant`` only through its public API.
With an ``[auth]`` section in ``.streamlit/secrets.toml`` users sign in with ``st.login`` (OIDC)
and may open only the workspaces listed for their e-mail under ``[workspaces]``::

    [workspaces]
    "ana@example.com" = ["acme", "default"]
    "*" = ["default"]          # everyone else who signs in

Offline, without an identity provider, users sign in with the API's keys: with
``MODALYST_API_KEYS="key1:acme,beta;key2:clinic"`` the sign-in page has a key form, and a key opens
its workspaces, as in the API (see ``ui.signin``: slowed-down failures, keys never shown or logged).
OIDC sign-in needs the provider to vouch for the e-mail (``email_verified``).

Without either the app is single-user; ``modalyst ui`` then refuses any non-loopback address.
"""

from __future__ import annotations

import streamlit as st

from assistant.private import private_umask
from ui.session import (
    allowed_workspaces,
    current_settings,
    oidc_configured,
    oidc_user_unverified,
    session_files,
    sign_in_required,
    signed_in_workspaces,
)
from ui.signin import key_form, key_table, sign_out


def signed_in() -> bool:
    """True when sign-in is off, or someone has signed in; otherwise shows the sign-in page."""
    if not sign_in_required():
        return True
    if signed_in_workspaces() is not None:
        return True
    st.title("modalyst")
    st.write("Sign in to open your workspaces.")
    if oidc_user_unverified():
        st.error("Your identity provider has not verified your e-mail address; sign-in needs a verified one.")
        st.button("Sign out", on_click=st.logout)
    elif oidc_configured():
        st.button("Sign in", on_click=st.login, type="primary")
    if key_table():
        key_form()
    return False


def _sign_out() -> None:
    sign_out()
    if st.user.get("is_logged_in"):
        st.logout()


def open_allowed_workspace() -> bool:
    """Keep the session on a workspace the user may open; False (with a message) when none."""
    allowed = allowed_workspaces()
    if allowed is None:
        return True
    who = st.user.get("email") if st.user.get("is_logged_in") else "this key"
    if not allowed:
        st.error(f"{who} may not open any workspace; ask an administrator.")
        st.button("Sign out", on_click=_sign_out)
        return False
    if current_settings().workspace not in allowed:
        st.session_state["workspace"] = allowed[0]
    with st.sidebar:
        st.caption(f"signed in ({who}): {', '.join(allowed)}")
        st.button("Sign out", on_click=_sign_out)
    return True


def main() -> None:
    st.set_page_config(page_title="modalyst", page_icon="📈", layout="wide")
    if not signed_in() or not open_allowed_workspace():
        return
    session_files()  # this session's private temp folder, removed when the session ends
    pages = [
        st.Page("chat.py", title="Chat", icon="💬", default=True),
        st.Page("library.py", title="Library", icon="📚", url_path="library"),  # plain URLs: /library, /settings
        st.Page("settings_page.py", title="Settings", icon="⚙️", url_path="settings"),
    ]
    st.navigation(pages).run()


private_umask()  # the data folder's files are the owner's only (assistant/private.py)
main()
