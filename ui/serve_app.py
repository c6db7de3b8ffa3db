"""What ``modalyst ui`` runs: the Streamlit app (``app.py``) as an ASGI app behind the request guard.

``streamlit run`` finds ``app`` here (an ``st.App``) and serves it with uvicorn on the address and
port it was given. :class:`assistant.host_guard.RequestGuard` wraps every HTTP request and the
app's WebSocket: a ``Host`` other than that address (or the ``allowed_hosts`` setting) is refused,
so a DNS-rebinding page cannot drive the chat, and so is a request from another site's page
(``Origin`` / ``Sec-Fetch-Site``; the ``allowed_origins`` setting lists exceptions).
"""

from __future__ import annotations

from starlette.middleware import Middleware
from streamlit import config
from streamlit.starlette import App

from assistant.host_guard import RequestGuard, bound_hosts
from assistant.settings import load_settings

_settings = load_settings()
_address = str(config.get_option("server.address") or "0.0.0.0")  # Streamlit's own default binds every interface

app = App(
    "app.py",
    middleware=[Middleware(RequestGuard, hosts=bound_hosts(_address, _settings.allowed_hosts), origins=_settings.allowed_origins)],
)
