"""``/healthz``: is the server up and can it reach its database?"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from app.migrate import current_revision, describe_database_error, head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and database check")
def healthz(request: Request) -> JSONResponse:
    engine = request.app.state.engine
    body: dict[str, Any] = {"status": "ok", "database": engine.dialect.name}
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        body.update(
            status="error", error=describe_database_error(exc, engine.url.render_as_string())
        )
        return JSONResponse(body, status_code=503)
    body["schema"] = revision
    if revision != head_revision():
        body.update(status="error", error="The database is not migrated: run `sverka db upgrade`.")
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)
