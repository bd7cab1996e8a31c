"""The foundation in a real browser: sign in, create a project, htmx sends the CSRF token,
refusals show up in the page, keyboard users can skip to the content."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def _sign_in(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Sign in"
    page.fill("#username", live_server.username)
    page.fill("#password", live_server.password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r".*/projects$"))


def test_sign_in_and_create_a_project(page: Any, live_server: Any, artifacts: Path) -> None:
    _sign_in(page, live_server)
    name = f"Архив Коллегии {uuid.uuid4().hex[:6]}"
    page.fill("#project-name", name)
    page.fill("#project-description", "Записки 1956 года")
    page.click("button:has-text('Create project')")
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    assert page.locator("h1").inner_text() == name
    assert "owner" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "foundation-project.png"), full_page=True)


def test_htmx_requests_carry_the_csrf_token(page: Any, live_server: Any) -> None:
    _sign_in(page, live_server)
    name = f"htmx {uuid.uuid4().hex[:6]}"
    page.evaluate(
        "name => htmx.ajax('POST', '/projects', {values: {name: name}, target: 'main'})", name
    )
    page.wait_for_url(re.compile(r".*/projects/\d+$"))  # HX-Redirect to the new project
    assert page.locator("h1").inner_text() == name


def test_a_refused_htmx_request_shows_its_message(page: Any, live_server: Any) -> None:
    _sign_in(page, live_server)
    # A page whose token is gone (as if forged elsewhere): the server refuses, the page says so.
    page.evaluate(
        """() => {
            document.body.removeAttribute('hx-headers');
            document.querySelector('meta[name="csrf-token"]').setAttribute('content', 'forged');
        }"""
    )
    page.evaluate("() => htmx.ajax('POST', '/projects', {values: {name: 'x'}, target: 'main'})")
    alert = page.locator("#flash .flash-error")
    alert.wait_for()
    assert "security token is missing or out of date" in alert.inner_text()


def test_keyboard_users_can_skip_to_the_content(page: Any, live_server: Any) -> None:
    _sign_in(page, live_server)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["y"] >= 0  # visible once focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
