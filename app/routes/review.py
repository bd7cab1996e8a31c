"""The review workspace: a document's pairs side by side, editing, alignment fixes, the map.

Every page works without JavaScript (forms post and redirect back to the same view); with htmx
the same handlers answer with a fragment: one pair row for edits and status changes, the whole
list for changes that move pairs (merge, split, move, delete, undo).
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from markupsafe import Markup
from starlette.responses import Response

from app.deps import CurrentUserDep, SessionDep
from app.htmx import htmx, redirect, render, safe_next
from app.services import review, review_map
from app.services.errors import Conflict, ServiceError
from app.services.glossary import term_hits_for_pairs, terms_in_pair
from app.templating import flash, templates

router = APIRouter(tags=["review"], include_in_schema=False)

STATUS_ICONS = {
    "auto": "○",
    "confirmed": "✓",
    "translated": "✎",
    "reviewed": "✓✓",
    "approved": "★",
    "rejected": "✗",
}
# Set once, used by every row (a dict per row would cost on a 200-pair page).
templates.env.globals["review_icons"] = STATUS_ICONS
# Memory matches and spelling beside the editor, when that part of Sverka is installed.
templates.env.globals["aids_enabled"] = importlib.util.find_spec("app.routes.aids") is not None
templates.env.globals["review_labels"] = {
    s.value: label for s, label in review.STATUS_LABELS.items()
}

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_LIMIT = 50
TextForm = Annotated[str, Form(max_length=200_000)]


@dataclass(frozen=True)
class ListState:
    """What the translator is looking at: the page and the filters (all in the URL)."""

    offset: int = 0
    limit: int = DEFAULT_LIMIT
    status: str = ""
    low: bool = False
    flagged: bool = False
    q: str = ""
    regex: bool = False
    side: str = ""

    @property
    def filtered(self) -> bool:
        return bool(self.status or self.low or self.flagged or self.q)

    def query(self, **changes: Any) -> str:
        state = replace(self, **changes)
        params: dict[str, Any] = {}
        if state.offset:
            params["offset"] = state.offset
        if state.limit != DEFAULT_LIMIT:
            params["limit"] = state.limit
        for name in ("status", "q", "side"):
            if getattr(state, name):
                params[name] = getattr(state, name)
        for name in ("low", "flagged", "regex"):
            if getattr(state, name):
                params[name] = "1"
        return urlencode(params)

    def url(self, document_id: int, **changes: Any) -> str:
        query = self.query(**changes)
        return f"/documents/{document_id}" + (f"?{query}" if query else "")


def _flag(values: dict[str, list[str]], name: str) -> bool:
    return (values.get(name) or [""])[-1].lower() in ("1", "on", "true", "yes")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default  # type: ignore[arg-type]
    except ValueError:
        return default


def _state_from(values: dict[str, list[str]]) -> ListState:
    def one(name: str) -> str:
        return (values.get(name) or [""])[-1].strip()

    limit = _int(one("limit"), DEFAULT_LIMIT)
    return ListState(
        offset=max(0, _int(one("offset"), 0)),
        limit=limit if limit in PAGE_SIZES else DEFAULT_LIMIT,
        status=one("status"),
        low=_flag(values, "low"),
        flagged=_flag(values, "flagged"),
        q=one("q")[:300],
        regex=_flag(values, "regex"),
        side=one("side") if one("side") in ("ru", "en") else "",
    )


def _state_of_page(request: Request, back: str = "") -> ListState:
    """The list the change was made from: the htmx page URL, or the form's ``back`` field."""
    url = htmx(request).current_url or back
    return _state_from(parse_qs(urlsplit(url).query)) if url else ListState()


def _back(request: Request, document_id: int, back: str) -> str:
    """Where to return after a change: the review page the form was on, nowhere else.

    Forms on the list carry no ``back`` field (it would repeat on every row): without
    JavaScript the browser's Referer names the page, with htmx ``HX-Current-URL`` does.
    """
    back = back or htmx(request).current_url or request.headers.get("referer", "")
    parts = urlsplit(back or "")
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    path = safe_next(back, f"/documents/{document_id}")
    if not path.startswith(f"/documents/{document_id}"):
        return f"/documents/{document_id}"
    return path.split("#", 1)[0]


def _list_context(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    document_id: int,
    state: ListState,
    *,
    focus: int | None = None,
) -> dict[str, Any]:
    info = review.document_info(session, user, document_id)
    error = None
    try:
        page = review.list_pairs(
            session,
            user,
            document_id,
            offset=state.offset,
            limit=state.limit,
            status=state.status or None,
            low_confidence=state.low,
            flagged=state.flagged,
            search=state.q or None,
            regex=state.regex,
            side=state.side or None,
        )
    except ServiceError as exc:
        error = exc.message
        page = review.PairPage([], 0, 0, state.limit, 0)
    if page.offset >= page.total > 0 and not error:
        # Past the end (pairs were merged away): show the last page instead of nothing.
        last = ((page.total - 1) // state.limit) * state.limit
        state = replace(state, offset=last)
        return _list_context(request, session, user, document_id, state, focus=focus)
    return {
        "info": info,
        "page": page,
        "state": state,
        "summary": review.progress_summary(
            session, user, document_id, words=not htmx(request).request
        ),
        "search_error": error,
        "focus": focus,
        "page_sizes": PAGE_SIZES,
        "statuses": review.STATUS_LABELS,
        "back": state.url(document_id),
        "oob": False,
        # Glossary terms in each segment, for highlights with a tooltip (app.services.glossary).
        "term_hits": term_hits_for_pairs(session, info.project_id, page.pairs),
    }


# --------------------------------------------------------------------------- pages


@router.get("/documents/{document_id}", name="review")
def review_page(
    request: Request,
    document_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    n: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    started = time.perf_counter()
    return _server_timing(_review_page(request, document_id, session, user, n), started)


def _server_timing(response: Response, started: float) -> Response:
    # Lets benchmarks (and the browser's network panel) tell server time from the wire's.
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def _review_page(
    request: Request, document_id: int, session: SessionDep, user: CurrentUserDep, n: str
) -> Response:
    state = _state_from(parse_qs(request.url.query))
    if n.strip():
        # "Go to pair N" looks in the whole document, not in the filtered list.
        try:
            number = int(n.strip().lstrip("#"))
        except ValueError:
            number = -1
        try:
            offset = review.jump_to(session, user, document_id, number, limit=state.limit)
        except ServiceError as exc:
            flash(request, exc.message, "error")
            return redirect(request, state.url(document_id))
        target = ListState(offset=offset, limit=state.limit)
        if htmx(request).request:
            ctx = _list_context(request, session, user, document_id, target, focus=number)
            response = render(request, "review/document.html", ctx, block="pairs")
            response.headers["HX-Push-Url"] = target.url(document_id) + f"#pair-{number}"
            return response
        return redirect(request, target.url(document_id) + f"#pair-{number}")
    ctx = _list_context(request, session, user, document_id, state)
    return render(request, "review/document.html", ctx, block="pairs")


@router.get("/documents/{document_id}/map", name="review_map")
def map_page(
    request: Request, document_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    info = review.document_info(session, user, document_id)
    amap = review.alignment_map(session, user, document_id)
    plot = review_map.path_plot(amap)
    trouble = sorted(
        (
            e
            for e in amap.entries
            if e.flags or (e.confidence < review.LOW_CONFIDENCE and not e.locked)
        ),
        key=lambda e: (-e.flags, e.confidence),
    )[:40]
    return render(
        request,
        "review/map.html",
        {
            "info": info,
            "plot": plot,
            # Escaped value by value in review_map.plot_links.
            "plot_links": Markup(review_map.plot_links(plot, document_id)),
            "trouble": sorted(trouble, key=lambda e: e.position),
            "describe": review_map.describe,
            "summary": review.progress_summary(session, user, document_id),
        },
    )


@router.get("/documents/{document_id}/strip", name="review_strip")
def strip(
    request: Request,
    document_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    offset: int = 0,
    limit: int = DEFAULT_LIMIT,
) -> Response:
    amap = review.alignment_map(session, user, document_id)
    drawing = review_map.strip(amap, offset=max(0, offset), limit=max(0, min(limit, 500)))
    return render(
        request,
        "review/strip.html",
        {"document_id": document_id, "s": drawing, "limit": limit},
        block="strip",
    )


@router.get("/documents/{document_id}/next-open", name="review_next_open")
def next_open(
    request: Request,
    document_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    after: int = -1,
) -> Response:
    """The next pair nobody has confirmed, found on the server (past the loaded page too)."""
    position = review.next_open(session, user, document_id, after)
    number = position + 1 if position is not None else None
    if htmx(request).request:
        response = Response(status_code=204)
        response.headers["HX-Trigger"] = json.dumps({"sverka-goto": {"number": number}})
        return response
    if number is None:
        flash(request, "Every pair of this document is confirmed.", "success")
        return redirect(request, f"/documents/{document_id}")
    return redirect(request, f"/documents/{document_id}?n={number}")


@router.get("/documents/{document_id}/summary", name="review_summary")
def summary(
    request: Request, document_id: int, session: SessionDep, user: CurrentUserDep
) -> Response:
    info = review.document_info(session, user, document_id)
    ctx = {
        "info": info,
        "summary": review.progress_summary(session, user, document_id),
        "oob": False,
    }
    return render(request, "review/summary.html", ctx, block="summary")


# --------------------------------------------------------------------------- responses


def _row(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    pair: review.PairView,
    back: str,
    *,
    status_code: int = 200,
    trigger: dict[str, Any] | None = None,
) -> Response:
    info = review.document_info(session, user, pair.document_id, with_undo=False)
    state = _state_of_page(request, back)
    ctx = {
        "info": info,
        "p": pair,
        "state": state,
        "back": _back(request, pair.document_id, back or state.url(pair.document_id)),
        "summary": review.progress_summary(session, user, pair.document_id, words=False),
        "oob": True,
        "term_hits": term_hits_for_pairs(session, info.project_id, [pair]),
    }
    response = render(request, "review/row.html", ctx, block="row", status_code=status_code)
    if trigger:
        response.headers["HX-Trigger"] = json.dumps(trigger)
    return response


def _done(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    document_id: int,
    back: str,
    *,
    focus_position: int | None,
    pair: review.PairView | None = None,
    trigger: dict[str, Any] | None = None,
) -> Response:
    """After a change: the row or the list (htmx), or back to the page at the pair."""
    # The change is complete: commit it before drawing the answer, so that its locks are not
    # held while a list of 100 pairs is rendered (that takes as long as the change itself).
    session.commit()
    anchor = f"#pair-{focus_position + 1}" if focus_position is not None else ""
    if not htmx(request).request:
        return redirect(request, _back(request, document_id, back) + anchor)
    if pair is not None:
        return _row(request, session, user, pair, back, trigger=trigger)
    state = _state_of_page(request, back)
    focus = focus_position + 1 if focus_position is not None else None
    # Keep the changed pair on screen even when it moved to another page.
    if (
        focus_position is not None
        and not state.filtered
        and not state.offset <= focus_position < state.offset + state.limit
    ):
        state = replace(state, offset=(focus_position // state.limit) * state.limit)
    ctx = _list_context(request, session, user, document_id, state, focus=focus)
    ctx["oob"] = True
    response = render(request, "review/document.html", ctx, block="pairs")
    # The row's tools post to the row; a change that moves pairs redraws the whole list.
    response.headers["HX-Retarget"] = "#review-list"
    response.headers["HX-Reswap"] = "outerHTML"
    if trigger:
        response.headers["HX-Trigger"] = json.dumps(trigger)
    return response


def _refused(request: Request, document_id: int, back: str, exc: ServiceError) -> Response:
    """A change that could not be made: the message on the page (no-JS) or in the flash."""
    if htmx(request).request:
        raise exc
    flash(request, exc.message, "error")
    return redirect(request, _back(request, document_id, back))


def _doc_of(session: SessionDep, user: CurrentUserDep, pair_id: int) -> int:
    return review.document_of_pair(session, user, pair_id)


# --------------------------------------------------------------------------- one pair


@router.get("/pairs/{pair_id}", name="review_pair")
def pair_row(
    request: Request, pair_id: int, session: SessionDep, user: CurrentUserDep, back: str = ""
) -> Response:
    pair = review.pair_view(session, user, pair_id)
    if not htmx(request).request:
        return redirect(request, f"/documents/{pair.document_id}?n={pair.number}")
    return _row(request, session, user, pair, back)


@router.get("/pairs/{pair_id}/edit", name="review_edit")
def edit_form(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    side: str = "en",
    back: str = "",
) -> Response:
    pair = review.pair_view(session, user, pair_id)
    # In place (htmx) the editor needs neither the project's name nor the undo state.
    info = review.document_info(
        session, user, pair.document_id, with_undo=not htmx(request).request
    )
    if not info.may_edit:
        raise review.PermissionDenied("Your role does not allow you to edit pairs in this project.")
    side = side if side in ("ru", "en") else "en"
    ctx = {
        "info": info,
        "p": pair,
        "side": side,
        "text": getattr(pair, f"{side}_text"),
        "version": pair.version,
        "back": _back(request, pair.document_id, back or htmx(request).current_url or ""),
    }
    return render(request, "review/editor.html", ctx, block="editor")


@router.post("/pairs/{pair_id}/text", name="review_save")
def save_text(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    side: Annotated[str, Form()],
    text: TextForm,
    version: Annotated[int, Form()],
    then: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    started = time.perf_counter()
    try:
        pair = review.edit_text(session, user, pair_id, side, text, version)
    except Conflict as exc:
        session.rollback()
        return _conflict(request, session, user, pair_id, side, text, back, exc)
    except ServiceError as exc:
        session.rollback()
        return _refused(request, _doc_of(session, user, pair_id), back, exc)
    trigger = _next_trigger(session, user, pair) if then == "next" else None
    if trigger is not None and not htmx(request).request and trigger["sverka-next"]["number"]:
        # "Save & next" without JavaScript: the page opens at the next unconfirmed pair.
        number = trigger["sverka-next"]["number"]
        return redirect(request, f"/documents/{pair.document_id}?n={number}")
    response = _done(
        request,
        session,
        user,
        pair.document_id,
        back,
        focus_position=pair.position,
        pair=pair,
        trigger=trigger,
    )
    return _server_timing(response, started)


def _conflict(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    pair_id: int,
    side: str,
    mine: str,
    back: str,
    exc: Conflict,
) -> Response:
    current = exc.current if isinstance(exc.current, review.PairView) else None
    if current is None:
        current = review.pair_view(session, user, pair_id)
    info = review.document_info(session, user, current.document_id)
    ctx = {
        "info": info,
        "p": current,
        "side": side if side in ("ru", "en") else "en",
        "mine": mine,
        "theirs": getattr(current, f"{side}_text", ""),
        "message": exc.message,
        "version": current.version,
        "back": _back(request, current.document_id, back or htmx(request).current_url or ""),
    }
    return render(request, "review/conflict.html", ctx, block="conflict", status_code=409)


def _next_trigger(
    session: SessionDep, user: CurrentUserDep, pair: review.PairView
) -> dict[str, Any]:
    position = review.next_open(session, user, pair.document_id, pair.position)
    return {
        "sverka-next": {
            "number": position + 1 if position is not None else None,
            "from": pair.number,
            # The saved row is swapped out; the event must not be sent to it.
            "target": "body",
        }
    }


@router.post("/pairs/{pair_id}/confirm", name="review_confirm")
def confirm(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    version: Annotated[int | None, Form()] = None,
    then: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    try:
        pair = review.confirm_alignment(session, user, pair_id, version)
    except ServiceError as exc:
        session.rollback()
        return _refused(request, _doc_of(session, user, pair_id), back, exc)
    trigger = _next_trigger(session, user, pair) if then == "next" else None
    if trigger is not None and not htmx(request).request and trigger["sverka-next"]["number"]:
        number = trigger["sverka-next"]["number"]
        return redirect(request, f"/documents/{pair.document_id}?n={number}")
    return _done(
        request,
        session,
        user,
        pair.document_id,
        back,
        focus_position=pair.position,
        pair=pair,
        trigger=trigger,
    )


@router.post("/pairs/{pair_id}/status", name="review_status")
def set_status(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    status: Annotated[str, Form()],
    version: Annotated[int | None, Form()] = None,
    comment: Annotated[str, Form(max_length=10_000)] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    try:
        pair = review.set_status(session, user, pair_id, status, version, comment=comment)
    except ServiceError as exc:
        session.rollback()
        return _refused(request, _doc_of(session, user, pair_id), back, exc)
    return _done(
        request, session, user, pair.document_id, back, focus_position=pair.position, pair=pair
    )


# --------------------------------------------------------------------------- the row's tools


@router.post("/pairs/{pair_id}/do", name="review_do")
def do(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    op: Annotated[str, Form(max_length=40)],
    version: Annotated[int | None, Form()] = None,
    then: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """The buttons of a row: one form per row, the button says what to do."""
    if op == "confirm":
        return confirm(request, pair_id, session, user, version, then, back)
    if op in ("reviewed", "approved"):
        return set_status(request, pair_id, session, user, op, version, "", back)
    if op.startswith("move-") and op.count("-") == 2:
        _, side, direction = op.split("-")
        return move(request, pair_id, side, direction, session, user, version, back)
    if op.startswith("empty-"):
        return separate(request, pair_id, op[6:], "empty", session, user, version, back)
    if op == "realign":
        return realign(request, pair_id, session, user, version, back)
    changes: dict[str, Callable[..., Any]] = {
        "merge": review.merge_with_next,
        "delete": review.delete_pair,
    }
    if op not in changes:
        raise ServiceError(f"Unknown action “{op}”.")
    fn = changes[op]
    return _structural(
        request, session, user, pair_id, back, lambda: fn(session, user, pair_id, version)
    )


# --------------------------------------------------------------------------- alignment fixes


def _structural(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    pair_id: int,
    back: str,
    change: Any,
) -> Response:
    document_id = _doc_of(session, user, pair_id)
    try:
        result = change()
    except ServiceError as exc:
        session.rollback()
        return _refused(request, document_id, back, exc)
    if isinstance(result, int):
        position: int | None = result
    elif isinstance(result, list):
        position = result[0].position if result else None
    else:
        position = result.position
    return _done(request, session, user, document_id, back, focus_position=position)


@router.post("/pairs/{pair_id}/merge", name="review_merge")
def merge(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    version: Annotated[int | None, Form()] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    return _structural(
        request,
        session,
        user,
        pair_id,
        back,
        lambda: review.merge_with_next(session, user, pair_id, version),
    )


@router.get("/pairs/{pair_id}/split", name="review_split_form")
def split_form(
    request: Request, pair_id: int, session: SessionDep, user: CurrentUserDep, back: str = ""
) -> Response:
    pair = review.pair_view(session, user, pair_id)
    info = review.document_info(session, user, pair.document_id)
    if not info.may_edit:
        raise review.PermissionDenied(
            "Your role does not allow you to split pairs in this project."
        )
    ctx = {
        "info": info,
        "p": pair,
        "back": _back(request, pair.document_id, back or htmx(request).current_url or ""),
        "ru_default": max(1, (len(pair.ru_segments) + 1) // 2) if pair.ru_segments else 0,
        "en_default": max(1, (len(pair.en_segments) + 1) // 2) if pair.en_segments else 0,
    }
    return render(request, "review/split.html", ctx, block="split")


@router.post("/pairs/{pair_id}/split", name="review_split")
def split(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    ru_after: Annotated[int, Form()],
    en_after: Annotated[int, Form()],
    version: Annotated[int | None, Form()] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    return _structural(
        request,
        session,
        user,
        pair_id,
        back,
        lambda: review.split_pair(session, user, pair_id, ru_after, en_after, version),
    )


@router.post("/pairs/{pair_id}/split-caret", name="review_split_caret")
def split_caret(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    side: Annotated[str, Form()],
    offset: Annotated[int, Form()],
    version: Annotated[int, Form()],
    text: Annotated[str | None, Form(max_length=200_000)] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    def change() -> list[review.PairView]:
        expected: int | None = version
        if text is not None:
            # The editor may hold unsaved words: save them first, then split where the caret is.
            saved = review.edit_text(session, user, pair_id, side, text, version)
            expected = saved.version
        return review.split_at_caret(session, user, pair_id, side, offset, expected)

    try:
        return _structural(request, session, user, pair_id, back, change)
    except Conflict as exc:
        session.rollback()
        return _conflict(request, session, user, pair_id, side, text or "", back, exc)


@router.post("/pairs/{pair_id}/move/{side}/{direction}", name="review_move")
def move(
    request: Request,
    pair_id: int,
    side: str,
    direction: str,
    session: SessionDep,
    user: CurrentUserDep,
    version: Annotated[int | None, Form()] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    if direction == "up":

        def change() -> Any:
            return review.move_first_to_previous(session, user, pair_id, side, version)
    else:

        def change() -> Any:
            return review.move_last_to_next(session, user, pair_id, side, version)

    return _structural(request, session, user, pair_id, back, change)


@router.post("/pairs/{pair_id}/separate/{side}/{mode}", name="review_separate")
def separate(
    request: Request,
    pair_id: int,
    side: str,
    mode: str,
    session: SessionDep,
    user: CurrentUserDep,
    version: Annotated[int | None, Form()] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    fn = review.detach if mode == "detach" else review.insert_empty_counterpart
    return _structural(
        request, session, user, pair_id, back, lambda: fn(session, user, pair_id, side, version)
    )


@router.post("/pairs/{pair_id}/delete", name="review_delete")
def delete(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    version: Annotated[int | None, Form()] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    return _structural(
        request,
        session,
        user,
        pair_id,
        back,
        lambda: review.delete_pair(session, user, pair_id, version),
    )


@router.post("/pairs/{pair_id}/realign", name="review_realign")
def realign(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    version: Annotated[int | None, Form()] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    document_id = _doc_of(session, user, pair_id)
    try:
        result = review.realign_or_enqueue(session, user, pair_id, version)
    except ServiceError as exc:
        session.rollback()
        return _refused(request, document_id, back, exc)
    if isinstance(result, int):
        # A long stretch: the job page shows the progress, then opens the document there.
        return redirect(request, f"/jobs/{result}")
    position = result[0].position if result else None
    return _done(request, session, user, document_id, back, focus_position=position)


@router.post("/documents/{document_id}/undo", name="review_undo")
def undo(
    request: Request,
    document_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    back: Annotated[str, Form()] = "",
) -> Response:
    return _undo_redo(request, session, user, document_id, back, review.undo)


@router.post("/documents/{document_id}/redo", name="review_redo")
def redo(
    request: Request,
    document_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    back: Annotated[str, Form()] = "",
) -> Response:
    return _undo_redo(request, session, user, document_id, back, review.redo)


def _undo_redo(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    document_id: int,
    back: str,
    fn: Any,
) -> Response:
    try:
        result = fn(session, user, document_id)
    except ServiceError as exc:
        session.rollback()
        return _refused(request, document_id, back, exc)
    return _done(request, session, user, document_id, back, focus_position=result.first_position)


# --------------------------------------------------------------------------- history, comments


@router.get("/pairs/{pair_id}/history", name="review_history")
def history(
    request: Request, pair_id: int, session: SessionDep, user: CurrentUserDep, back: str = ""
) -> Response:
    pair = review.pair_view(session, user, pair_id)
    ctx = {
        "info": review.document_info(session, user, pair.document_id),
        "p": pair,
        "entries": review.history(session, user, pair_id),
        "back": _back(request, pair.document_id, back or htmx(request).current_url or ""),
    }
    return render(request, "review/history.html", ctx, block="panel")


@router.get("/pairs/{pair_id}/terms", name="review_terms")
def terms(
    request: Request, pair_id: int, session: SessionDep, user: CurrentUserDep, back: str = ""
) -> Response:
    """The glossary terms found in the pair, with their equivalents (what the highlights'
    tooltips say, for the keyboard and screen readers: key T)."""
    pair = review.pair_view(session, user, pair_id)
    info = review.document_info(session, user, pair.document_id)
    ctx = {
        "info": info,
        "p": pair,
        "terms": terms_in_pair(session, info.project_id, pair),
        "back": _back(request, pair.document_id, back or htmx(request).current_url or ""),
    }
    return render(request, "review/terms.html", ctx, block="panel")


def _comments_page(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    pair_id: int,
    back: str,
    *,
    error: str | None = None,
    draft: str = "",
    status_code: int = 200,
    reject: bool = False,
) -> Response:
    pair = review.pair_view(session, user, pair_id)
    ctx = {
        "info": review.document_info(session, user, pair.document_id),
        "p": pair,
        "comments": review.comments(session, user, pair_id),
        "error": error,
        "draft": draft,
        "reject": reject,
        "back": _back(request, pair.document_id, back or htmx(request).current_url or ""),
    }
    return render(request, "review/comments.html", ctx, block="panel", status_code=status_code)


@router.get("/pairs/{pair_id}/comments", name="review_comments")
def comment_list(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    back: str = "",
    reject: bool = False,
) -> Response:
    return _comments_page(request, session, user, pair_id, back, reject=reject)


@router.post("/pairs/{pair_id}/comments", name="review_comment_add")
def comment_add(
    request: Request,
    pair_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    body: Annotated[str, Form(max_length=20_000)] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    try:
        review.add_comment(session, user, pair_id, body)
    except ServiceError as exc:
        session.rollback()
        return _comments_page(
            request,
            session,
            user,
            pair_id,
            back,
            error=exc.message,
            draft=body,
            status_code=200 if htmx(request).request else exc.status_code,
        )
    return _comments_page(request, session, user, pair_id, back)


@router.post("/comments/{comment_id}/resolve", name="review_comment_resolve")
def comment_resolve(
    request: Request,
    comment_id: int,
    session: SessionDep,
    user: CurrentUserDep,
    resolved: Annotated[str, Form()] = "1",
    back: Annotated[str, Form()] = "",
) -> Response:
    comment = review.resolve_comment(session, user, comment_id, resolved in ("1", "on", "true"))
    return _comments_page(request, session, user, comment.pair_id, back)
