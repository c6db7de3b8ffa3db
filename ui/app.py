"""The Streamlit app: Chat, Library and Settings pages (``st.navigation``).

Run with ``modalyst ui`` (binds to 127.0.0.1). Talks to ``assistant`` only through its public API.
With an ``[auth]`` section in ``.streamlit/secrets.toml`` users sign in with ``st.login`` (OIDC)
and may open only the workspaces listed for their e-mail under ``[workspaces]``::

    [workspaces]
    "ana@example.com" = ["acme", "default"]
    "*" = ["default"]          # everyone else who signs in

Without ``[auth]`` the app is single-user.
"""

from __future__ import annotations

import streamlit as st

from ui.session import allowed_workspaces, current_settings, session_files, sign_in_required


def signed_in() -> bool:
    """True when sign-in is off, or the user has signed in; otherwise shows the sign-in button."""
    if not sign_in_required():
        return True
    if st.user.is_logged_in:
        return True
    st.title("modalyst")
    st.write("Sign in to open your workspaces.")
    st.button("Sign in", on_click=st.login, type="primary")
    return False


def open_allowed_workspace() -> bool:
    """Keep the session on a workspace the user may open; False (with a message) when none."""
    allowed = allowed_workspaces()
    if allowed is None:
        return True
    if not allowed:
        st.error(f"{st.user.get('email')} may not open any workspace; ask an administrator.")
        st.button("Sign out", on_click=st.logout)
        return False
    if current_settings().workspace not in allowed:
        st.session_state["workspace"] = allowed[0]
    with st.sidebar:
        st.caption(f"signed in as {st.user.get('email')}")
        st.button("Sign out", on_click=st.logout)
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


main()
