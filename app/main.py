"""The web application: ``create_app(settings)``.

Route modules in ``app/routes/`` are discovered and included (each exposes ``router``), so
new features add a module there without touching this file.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import logging
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm import sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import app.routes
from app.auth import SESSION_COOKIE, LoginRequired, load_user, verify_csrf
from app.config import Settings, get_settings
from app.db import build_engine
from app.htmx import add_vary, htmx, render
from app.migrate import check_current
from app.proxy import ForwardedProtoMiddleware
from app.services.errors import ServiceError, is_write_collision
from app.templating import static_dir
from app.warmup import warm_up

log = logging.getLogger("sverka")

_STATUS_TEXT = {
    400: "The request could not be understood.",
    401: "Please sign in to continue.",
    403: "You are not allowed to do this.",
    404: "There is no such page.",
    405: "This address does not accept that kind of request.",
    409: "Someone else changed this in the meantime.",
    413: "The request is too large.",
    422: "Some fields of the form are missing or wrong.",
    429: "Too many attempts. Wait a few minutes and try again.",
    500: "Something went wrong on the server. The error has been logged.",
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = build_engine(settings.resolved_database_url)
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        check_current(engine)
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        # Before the first request, not during it (see app.warmup).
        seconds = await anyio.to_thread.run_sync(warm_up)
        log.info("language layer and templates loaded in %.2f s", seconds)
        worker = (
            _start_job_worker(settings, session_factory) if settings.run_jobs_in_process else None
        )
        try:
            yield
        finally:
            _stop_job_worker(worker)
            engine.dispose()

    application = FastAPI(
        title="Sverka",
        summary="Russian–English parallel-text translation workbench",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(verify_csrf)],
        openapi_url="/openapi.json",
        # FastAPI's interactive docs load their scripts from a CDN; Sverka serves nothing
        # from third-party hosts, so only the machine-readable spec is published.
        docs_url=None,
        redoc_url=None,
        form_limits={"max_part_size": settings.max_request_mb * 1024 * 1024},
    )
    application.state.settings = settings
    application.state.engine = engine
    application.state.session_factory = session_factory

    # Added last = outermost: the size limit applies before anything reads the body.
    application.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    application.add_middleware(SecurityHeadersMiddleware)
    application.add_middleware(
        RequestSizeLimitMiddleware, max_bytes=settings.max_request_mb * 1024 * 1024
    )
    application.add_middleware(ForwardedProtoMiddleware, trusted_proxy=settings.trusted_proxy)

    static = static_dir()
    if static is not None:
        application.mount("/static", StaticFiles(directory=static), name="static")
    else:
        log.warning("static/ not found: pages will have no styles (run scripts/install.sh)")

    _include_routes(application)
    _install_error_handlers(application)
    return application


def _include_routes(application: FastAPI) -> None:
    for module_info in sorted(pkgutil.iter_modules(app.routes.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"app.routes.{module_info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            application.include_router(router)


# --- the job worker (app.services.jobs, when present) --------------------------------------


def _start_job_worker(settings: Settings, session_factory: sessionmaker[Any]) -> Any:
    try:
        jobs = importlib.import_module("app.services.jobs")
    except ImportError:
        return None
    start_worker = getattr(jobs, "start_worker", None)
    if start_worker is None:
        return None
    params = inspect.signature(start_worker).parameters
    scope_from = getattr(jobs, "scope_from", None)
    if "scope" in params and scope_from is not None:
        # The worker uses this app's database, not the process-wide default one.
        return start_worker(scope=scope_from(session_factory))
    return start_worker()


def _stop_job_worker(worker: Any) -> None:
    stop = getattr(worker, "stop", None)
    if callable(stop):
        stop()


# --- middleware ----------------------------------------------------------------------------


class RequestSizeLimitMiddleware:
    """Refuse request bodies over the limit with 413 and a message stating the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self, scope: Scope) -> Response:
        limit_mb = self.max_bytes / (1024 * 1024)
        message = (
            f"The upload is too large: Sverka accepts at most {limit_mb:g} MB per request. "
            "Split the file, or ask the administrator to raise SVERKA_MAX_REQUEST_MB."
        )
        if scope.get("path", "").startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=413)
        body = (
            '<!doctype html><html lang="en"><meta charset="utf-8"><title>Too large · Sverka'
            f'</title><p class="error-message" role="alert">{message}</p></html>'
        )
        return Response(body, status_code=413, media_type="text/html")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope)(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    # Reading stops here; whatever the app answers is replaced by the 413.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._too_large(scope)(scope, receive, send)


_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"referrer-policy", b"same-origin"),
    # Restricts framing, forms and plugins only: scripts and styles stay as pages need them.
    (
        b"content-security-policy",
        b"frame-ancestors 'self'; form-action 'self'; base-uri 'self'; object-src 'none'",
    ),
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        dynamic = not scope.get("path", "").startswith("/static/")
        # static_url() adds ?v=<mtime>: such a URL never changes content, so cache it long.
        versioned = not dynamic and b"v=" in scope.get("query_string", b"")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = list(_SECURITY_HEADERS)
                if dynamic:
                    # Pages carry unpublished texts and a CSRF token: never keep them in caches.
                    extra.append((b"cache-control", b"no-store"))
                elif versioned:
                    extra.append((b"cache-control", b"public, max-age=31536000, immutable"))
                for key, value in extra:
                    if key not in present:
                        headers.append((key, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- errors: a page for people, JSON for /api/ ----------------------------------------------


def _wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def render_error(request: Request, status_code: int, message: str) -> Response:
    """The error page (or JSON, or an htmx fragment) with ``message`` and ``status_code``."""
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status_code)
    # The request's session was rolled back (its objects are expired) or never opened
    # (unknown page): load who is signed in afresh, so the header still shows them.
    if hasattr(request.state, "user"):
        del request.state.user
    with contextlib.suppress(Exception), request.app.state.session_factory() as session:
        load_user(request, session)
    return render(
        request,
        "error.html",
        {"status_code": status_code, "message": message},
        status_code=status_code,
    )


def _login_redirect(request: Request, exc: LoginRequired) -> Response:
    if _wants_json(request):
        return JSONResponse(
            {"detail": "Authentication required: sign in or send an API token."},
            status_code=401,
        )
    details = htmx(request)
    if details.request:
        from urllib.parse import quote, urlsplit

        current = urlsplit(details.current_url or "/")
        target = current.path + (f"?{current.query}" if current.query else "")
        response: Response = Response(
            status_code=401, headers={"HX-Redirect": f"/login?next={quote(target)}"}
        )
        return add_vary(response)
    from urllib.parse import quote

    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/"
    return add_vary(RedirectResponse(f"/login?next={quote(target)}", status_code=303))


def _id_out_of_range(exc: BaseException) -> bool:
    """A number too large for the database's integer columns, e.g. an id typed into a URL."""
    if isinstance(exc, OverflowError):
        return True
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == "22003" or isinstance(orig, OverflowError)


_COLLISION = (
    "Another change to this document was being saved at the same moment, so yours was not "
    "saved. Try again."
)


def _install_error_handlers(application: FastAPI) -> None:
    async def service_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        if isinstance(exc, LoginRequired):
            return _login_redirect(request, exc)
        return render_error(request, exc.status_code, exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        default = _STATUS_TEXT.get(exc.status_code, "The request could not be handled.")
        detail = exc.detail if isinstance(exc.detail, str) else default
        # FastAPI's generic English phrases ("Not Found") say less than ours.
        if detail in ("Not Found", "Method Not Allowed", "Internal Server Error"):
            detail = default
        response = render_error(request, exc.status_code, detail)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _wants_json(request):
            return await request_validation_exception_handler(request, exc)
        fields = sorted(
            {str(err.get("loc", ["", "?"])[-1]) for err in exc.errors() if err.get("loc")}
        )
        message = _STATUS_TEXT[422]
        if fields:
            message = f"{message} Check: {', '.join(fields)}."
        return render_error(request, 422, message)

    async def out_of_range(request: Request, exc: Exception) -> Response:
        if not _id_out_of_range(exc):
            raise exc
        # /pairs/99999999999: no row can have that id (SQLite and PostgreSQL refuse it).
        return render_error(request, 404, _STATUS_TEXT[404])

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render_error(request, 500, _STATUS_TEXT[500])

    async def collided(request: Request, exc: Exception) -> Response:
        if not is_write_collision(exc):
            return await server_error(request, exc)
        # Two changes waited for each other (PostgreSQL chose one to give up) or SQLite was
        # busy: nothing of this request was saved, and trying again works.
        log.info("write collision on %s %s: %s", request.method, request.url.path, exc)
        return render_error(request, 409, _COLLISION)

    application.add_exception_handler(ServiceError, service_error)
    application.add_exception_handler(StarletteHTTPException, http_error)
    application.add_exception_handler(RequestValidationError, validation_error)
    application.add_exception_handler(OverflowError, out_of_range)
    application.add_exception_handler(DataError, out_of_range)
    application.add_exception_handler(OperationalError, collided)
    application.add_exception_handler(Exception, server_error)
