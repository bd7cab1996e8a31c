"""HTTPS behind a reverse proxy: ``Secure`` cookies whenever the visitor's connection is HTTPS.

``sverka serve`` runs uvicorn with ``proxy_headers``, which already takes the scheme and client
address from ``X-Forwarded-Proto``/``X-Forwarded-For`` for proxies on this machine
(uvicorn's ``FORWARDED_ALLOW_IPS``). A proxy elsewhere is trusted only when
``SVERKA_TRUSTED_PROXY=true``: then this middleware reads the headers itself. Either way, a
request that arrived over HTTPS gets every cookie marked ``Secure``, so a session cookie never
travels over plain HTTP, even when ``SVERKA_SECURE_COOKIES`` was forgotten.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class ForwardedProtoMiddleware:
    def __init__(self, app: ASGIApp, *, trusted_proxy: bool = False) -> None:
        self.app = app
        self.trusted_proxy = trusted_proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.trusted_proxy:
            scope = dict(scope)
            proto = (_header(scope, b"x-forwarded-proto") or "").split(",")[0].strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto
            forwarded_for = _header(scope, b"x-forwarded-for")
            if forwarded_for:
                # The last address is the one our proxy saw; earlier ones the client may forge.
                address = forwarded_for.split(",")[-1].strip()
                if address:
                    scope["client"] = (address, 0)
        secure = scope.get("scheme") == "https"

        async def send_secure(message: Message) -> None:
            if secure and message["type"] == "http.response.start":
                headers = []
                for key, value in message.get("headers", []):
                    if key.lower() == b"set-cookie" and b"secure" not in value.lower():
                        value = value + b"; Secure"
                    headers.append((key, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_secure)
