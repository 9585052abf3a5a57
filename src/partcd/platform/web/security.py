"""Browser-facing protections: security headers on every response, the same-origin check of form posts, the forms'
CSRF tokens and the login's rate limit.

- Headers: ``Content-Security-Policy`` (pages: scripts and styles only from this server, no inline code; generated
  documents such as notices and reports: their inline styles, no scripts; the API docs: their CDN), ``X-Frame-Options:
  DENY``, ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``, ``Cross-Origin-Opener-Policy``;
  ``Cache-Control: no-store`` on everything but static files (appeal cases and call logs are PHI); HSTS over https.
- Origin: a POST/PUT/PATCH/DELETE outside ``/api/`` (the forms, signed in by cookie) must name this server (or a
  ``Settings.trusted_origins`` entry) in ``Origin`` or, failing that, ``Referer``; otherwise 403 before any handler runs.
- CSRF: every form carries ``csrf_token`` - a keyed hash of the session token (``partcd.platform.auth.csrf_token``);
  the sign-in form, before there is a session, a random token matched against a short-lived cookie.
- Login: at most ``Settings.login_failures_per_min`` failed sign-ins per client address in any minute (429 after).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from partcd.platform.settings import Settings

#: The dashboard's pages: everything from this server, nothing inline, never framed.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: Generated documents (notices, reports as HTML): their own inline styles, no scripts, no forms.
DOCUMENT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'none'")
#: A report with charts: plotly.js from this server and the report's inline chart calls; nothing may be sent anywhere.
CHART_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data:; font-src 'self' data:; connect-src 'none'; base-uri 'none'; form-action 'none'; "
             "frame-ancestors 'none'")
#: FastAPI's interactive docs (/docs, /redoc) load Swagger UI / ReDoc from their CDN.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
            "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; font-src 'self' https://fonts.gstatic.com; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _csp_for(path: str, content_type: str) -> str:
    if path in {"/docs", "/redoc", "/docs/oauth2-redirect"}:
        return DOCS_CSP
    if path.startswith("/api/") and content_type.startswith("text/html"):
        return DOCUMENT_CSP
    return PAGE_CSP


def request_origin(scope: Scope) -> str:
    """``scheme://host[:port]`` of the request as the browser addressed it."""
    headers = dict(scope.get("headers", []))
    host = headers.get(b"host", b"").decode("latin-1").lower()
    return f"{scope.get('scheme', 'http')}://{host}"


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def same_origin(scope: Scope, allowed: tuple[str, ...]) -> bool:
    """True if the request's ``Origin`` (or, without one, its ``Referer``) is this server or an allowed origin."""
    headers = dict(scope.get("headers", []))
    origin = headers.get(b"origin")
    if origin is not None:
        claimed = _origin_of(origin.decode("latin-1"))
    else:
        referer = headers.get(b"referer")
        claimed = _origin_of(referer.decode("latin-1")) if referer is not None else None
    return claimed is not None and (claimed == request_origin(scope) or claimed in allowed)


class SecurityHeaders:
    """ASGI middleware: the same-origin check of form posts, then the security headers on every response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.allowed = tuple(o.lower() for o in settings.trusted_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if scope.get("method") in UNSAFE_METHODS and not path.startswith("/api/") and not same_origin(scope, self.allowed):
            await _forbidden(send, self._secure(scope))
            return
        secure = self._secure(scope)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                content_type = next((v.decode("latin-1") for n, v in headers if n.lower() == b"content-type"), "")
                for name, value in _headers(path, content_type, secure):
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)

    @staticmethod
    def _secure(scope: Scope) -> bool:
        return scope.get("scheme") == "https"


def _headers(path: str, content_type: str, secure: bool) -> list[tuple[bytes, bytes]]:
    out = [
        (b"content-security-policy", _csp_for(path, content_type).encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if not path.startswith("/static/"):
        out.append((b"cache-control", b"no-store"))
    if secure:
        out.append((b"strict-transport-security", b"max-age=31536000"))
    return out


async def _forbidden(send: Send, secure: bool) -> None:
    payload = json.dumps({"error": "CrossOrigin", "message": "a form may only be posted from this server's own pages "
                          "(Origin/Referer missing or foreign)"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
               *_headers("/", "application/json", secure)]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class LoginThrottle:
    """Failed sign-ins per client address in a sliding minute, in memory (one server process)."""

    WINDOW_S = 60.0
    MAX_CLIENTS = 10_000

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        seen = self._failures.get(client)
        if seen is None:
            if len(self._failures) >= self.MAX_CLIENTS:  # forget the quietest clients first
                for stale in [c for c, q in self._failures.items() if not q or q[-1] < now - self.WINDOW_S]:
                    del self._failures[stale]
                if len(self._failures) >= self.MAX_CLIENTS:
                    self._failures.clear()
            seen = self._failures[client] = deque()
        while seen and seen[0] <= now - self.WINDOW_S:
            seen.popleft()
        return seen

    def retry_after(self, client: str) -> int:
        """Seconds until ``client`` may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            seen = self._recent(client, now)
            if len(seen) < self.per_minute:
                return 0
            return max(1, int(seen[0] + self.WINDOW_S - now) + 1)

    def failed(self, client: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(client, now).append(now)
