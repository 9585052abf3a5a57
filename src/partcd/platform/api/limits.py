"""Request body caps, enforced while the body streams in (before any parser holds it).

A request carrying files (``multipart/form-data``) may send ``Settings.upload_max_bytes``; any other body
``Settings.json_max_bytes``. A declared ``Content-Length`` over the cap is refused before a byte is read; a body that
streams past the cap is cut off there. Both answer 413.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from partcd.platform.settings import Settings


class BodyTooLarge(HTTPException):
    """Raised from the body stream when it passes the cap (an HTTPException, so that the body parsers re-raise it)."""

    def __init__(self, limit_name: str, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit:,} bytes ({limit_name})")
        self.limit_name, self.limit = limit_name, limit

    def to_dict(self) -> dict[str, Any]:
        return {"error": "BodyTooLarge", "limit": self.limit_name,
                "message": f"the request body is larger than {self.limit:,} bytes"}


class BodyLimit:
    """ASGI middleware: 413 for a body over its cap (multipart: uploads; anything else: JSON and forms)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def cap(self, scope: Scope) -> tuple[str, int]:
        content_type = ""
        for name, value in scope.get("headers", []):
            if name == b"content-type":
                content_type = value.decode("latin-1").lower()
        if content_type.startswith("multipart/"):
            return "upload_max_bytes", self.settings.upload_max_bytes
        return "json_max_bytes", self.settings.json_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit_name, limit = self.cap(scope)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, limit_name, limit)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit_name, limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(send, limit_name, limit)


async def _refuse(send: Send, limit_name: str, limit: int) -> None:
    payload = json.dumps(BodyTooLarge(limit_name, limit).to_dict()).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})
