"""The Jinja environment shared by every page: globals, filters and flash messages."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.requests import Request
from starlette.routing import NoMatchFound

from app.auth import csrf_token

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_PROJECT_ROOT = Path(__file__).resolve().parent.parent


def static_dir() -> Path | None:
    """``static/`` beside the packages (a checkout or an editable install), else in the cwd."""
    for candidate in (_PROJECT_ROOT / "static", Path.cwd() / "static"):
        if (candidate / "vendor").is_dir() or (candidate / "css").is_dir():
            return candidate
    return None


@cache
def _asset_version(path: str) -> str:
    # Cache busting by modification time: browsers may cache /static for long.
    root = static_dir()
    if root is None:
        return "0"
    try:
        return str(int((root / path).stat().st_mtime))
    except OSError:
        return "0"


def static_url(path: str) -> str:
    return f"/static/{path}?v={_asset_version(path)}"


def flash(request: Request, message: str, level: str = "info") -> None:
    """A message shown once, on the next full page (after a redirect, typically)."""
    messages = list(request.session.get("flash", []))
    messages.append([level, message])
    request.session["flash"] = messages[-5:]


def pop_flashed(request: Request) -> list[tuple[str, str]]:
    messages = request.session.pop("flash", None) or []
    return [(str(level), str(text)) for level, text in messages]


def route_url(request: Request, name: str, **params: Any) -> str | None:
    """The path of the route called ``name``, or None when no such route is registered
    (pages link to features other parts of Sverka add, only once they exist)."""
    try:
        return str(request.app.url_path_for(name, **params))
    except NoMatchFound:
        return None


def _datetime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.strftime(fmt) if value else ""


def _context(request: Request) -> dict[str, Any]:
    return {
        "current_user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "app_settings": request.app.state.settings,
    }


def _build() -> Jinja2Blocks:
    templates = Jinja2Blocks(directory=str(TEMPLATE_DIR), context_processors=[_context])
    env = templates.env
    env.globals["static_url"] = static_url
    env.globals["pop_flashed"] = pop_flashed
    env.globals["route_url"] = route_url
    env.filters["datetime"] = _datetime
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates


templates = _build()
