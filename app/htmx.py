"""htmx requests: one template per page with named blocks.

A direct visit gets the whole page; an htmx request (``HX-Request``, not boosted, not a
history restore) gets only the named block, from the same handler. Every response says
``Vary: HX-Request`` so caches never serve a fragment for a page or the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.templating import templates


@dataclass(frozen=True)
class HtmxDetails:
    """The ``HX-*`` request headers, parsed once per request."""

    request: bool
    boosted: bool
    history_restore: bool
    target: str | None
    trigger: str | None
    trigger_name: str | None
    current_url: str | None

    @property
    def wants_fragment(self) -> bool:
        return self.request and not self.boosted and not self.history_restore


def _header(request: Request, name: str) -> str | None:
    value = request.headers.get(name)
    if value is None:
        return None
    # htmx URI-encodes header values that are not plain ASCII.
    if request.headers.get(f"{name}-URI-AutoEncoded") == "true":
        return unquote(value)
    return value


def htmx(request: Request) -> HtmxDetails:
    details = getattr(request.state, "htmx", None)
    if isinstance(details, HtmxDetails):
        return details
    details = HtmxDetails(
        request=request.headers.get("HX-Request") == "true",
        boosted=request.headers.get("HX-Boosted") == "true",
        history_restore=request.headers.get("HX-History-Restore-Request") == "true",
        target=_header(request, "HX-Target"),
        trigger=_header(request, "HX-Trigger"),
        trigger_name=_header(request, "HX-Trigger-Name"),
        current_url=_header(request, "HX-Current-URL"),
    )
    request.state.htmx = details
    return details


def add_vary(response: Response, header: str = "HX-Request") -> Response:
    vary = response.headers.get("Vary")
    values = [v.strip() for v in vary.split(",")] if vary else []
    if header.lower() not in (v.lower() for v in values):
        values.append(header)
        response.headers["Vary"] = ", ".join(values)
    return response


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    block: str = "content",
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The page ``name``; only its ``block`` when htmx asks for a fragment."""
    ctx = dict(context or {})
    if htmx(request).wants_fragment:
        response = templates.TemplateResponse(
            request, name, ctx, status_code=status_code, headers=headers, block_name=block
        )
    else:
        response = templates.TemplateResponse(
            request, name, ctx, status_code=status_code, headers=headers
        )
    return add_vary(response)


def redirect(request: Request, url: str) -> Response:
    """Go to ``url`` after a form post: a 303 for browsers, ``HX-Redirect`` for htmx."""
    if htmx(request).request:
        response: Response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    return add_vary(response)


def safe_next(url: str | None, default: str = "/") -> str:
    """``url`` when it is a path on this site; otherwise ``default`` (no open redirects)."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return default
    if any(ch in url for ch in "\r\n\t"):
        return default
    return url
