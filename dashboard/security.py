"""HTTP response headers that keep the dashboard's pages to themselves (an ASGI middleware for ``st.App``).

* ``X-Frame-Options: SAMEORIGIN`` and CSP ``frame-ancestors 'self'``: no other site can frame the
  map and trick a logged-in viewer into clicking it.
* A conservative Content-Security-Policy: scripts, styles, images and connections from this server
  only (plus the configured basemap's tile host), so that text slipping through as HTML or Markdown
  cannot make the browser fetch anything elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders

__all__ = ["SecurityHeaders", "security_headers"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _tile_origin() -> str:
    """The basemap's origin (scheme and host, subdomain placeholder widened), when one is configured."""
    url = os.environ.get("MAP_TILES", "").strip()
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def security_headers() -> dict[str, str]:
    """The headers every HTTP response carries."""
    tiles = _tile_origin()
    images = " ".join(x for x in ("'self'", "data:", "blob:", tiles) if x)
    policy = "; ".join([
        "default-src 'self'",
        # Streamlit and the map component run inline and generated scripts; all from this server
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src {images}",
        "font-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "frame-src 'self' blob: data:",
        "worker-src 'self' blob:",
        "frame-ancestors 'self'",
        "base-uri 'self'",
        "form-action 'self'",
    ])
    return {"Content-Security-Policy": policy, "X-Frame-Options": "SAMEORIGIN",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


class SecurityHeaders:
    """Add :func:`security_headers` to every HTTP response (websocket frames pass untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = security_headers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
