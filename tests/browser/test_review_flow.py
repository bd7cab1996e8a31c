"""The translator's day, in Chromium: import the demo texts, watch the progress bar, then fix
the alignment and the translation from the keyboard and the buttons in the review view."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ROOT, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO = ROOT / "app" / "demo"


def sign_in(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", server.username)
    page.fill("#password", server.password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/projects$"))


def import_demo(page: Any, server: LiveServer) -> int:
    page.goto(f"{server.url}/projects")
    page.fill("input[name=name]", "Memoranda")
    page.click("form[action='/projects'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    page.click("text=Import a document")
    page.fill("#import-title-field", "Memorandum 108ss")
    page.set_input_files("#ru-file", str(DEMO / "ru.txt"))
    page.set_input_files("#en-file", str(DEMO / "en.txt"))
    page.click("button:has-text('Import and align')")
    # The job page shows a progress bar, then the review view opens by itself.
    page.wait_for_selector("progress")
    page.wait_for_url(re.compile(r".*/documents/\d+.*"), timeout=120_000)
    page.wait_for_selector("#review-list .pair")
    return int(re.search(r"/documents/(\d+)", page.url).group(1))  # type: ignore[union-attr]


def pair_count(page: Any) -> int:
    return int(page.locator("#review-list .pair").count())


def row(page: Any, number: int) -> Any:
    return page.locator(f"#pair-{number}")


def focus_pair(page: Any, number: int) -> None:
    row(page, number).locator(".col-num .kind").click()
    page.wait_for_selector(f"#pair-{number}.current")


def wait_for_htmx(page: Any) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.wait_for_timeout(150)


def test_import_then_review_from_the_keyboard(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    sign_in(page, live_server)
    document_id = import_demo(page, live_server)
    total = pair_count(page)
    assert total >= 10
    assert page.locator("#review-list .pair .col-ru[lang=ru]").count() == total
    # The map strip beside the pairs is drawn.
    page.wait_for_selector("#strip svg.strip-svg")

    # Merge pair 3 with pair 4 (Ctrl+J), then split it again between sentences (Ctrl+S).
    third_ru = row(page, 3).locator(".col-ru .text").inner_text()
    fourth_ru = row(page, 4).locator(".col-ru .text").inner_text()
    focus_pair(page, 3)
    page.keyboard.press("Control+j")
    wait_for_htmx(page)
    assert pair_count(page) == total - 1
    merged = row(page, 3).locator(".col-ru .text").inner_text()
    assert third_ru.strip() in merged and fourth_ru.strip() in merged
    assert "Alignment confirmed" in row(page, 3).locator(".status").inner_text()

    page.wait_for_selector("#pair-3.current")
    page.keyboard.press("Control+s")
    page.wait_for_selector("#pair-3 .split-form")
    page.locator("#pair-3 .split-form button[type=submit]").click()
    wait_for_htmx(page)
    assert pair_count(page) == total

    # Edit the English of pair 2 (Enter opens the editor, Ctrl+Enter saves and moves on).
    focus_pair(page, 2)
    page.keyboard.press("Enter")
    editor = page.locator("#pair-2 form.editor textarea")
    editor.wait_for()
    editor.fill("Copy No. 2 <of 3>")
    page.screenshot(path=str(artifacts / "review-editor.png"), full_page=False)
    page.keyboard.press("Control+Enter")
    wait_for_htmx(page)
    assert row(page, 2).locator(".col-en .text").inner_text() == "Copy No. 2 <of 3>"
    assert "Translated" in row(page, 2).locator(".status").inner_text()
    # The next pair nobody confirmed becomes the current one.
    page.wait_for_selector("#review-list .pair.current")
    assert page.locator("#review-list .pair.current").get_attribute("id") != "pair-2"

    # Undo (Ctrl+Z) brings the old text back.
    page.locator("h1").click()
    page.keyboard.press("Control+z")
    wait_for_htmx(page)
    assert row(page, 2).locator(".col-en .text").inner_text() == "Copy No. 2"

    # Approve pair 1 with its button (the administrator may review).
    focus_pair(page, 1)
    row(page, 1).locator("button.t-approve").click()
    wait_for_htmx(page)
    assert "Approved" in row(page, 1).locator(".status").inner_text()
    assert "Approved: 1" in page.locator("#progress").inner_text()
    # The word counts (computed for the full page only) survive the refreshed progress bar.
    assert "words RU" in page.locator("#progress").inner_text()

    # Alt+↓ moves the last English sentence of a pair into the next one; Ctrl+Z takes it back.
    last_en_5 = row(page, 5).locator(".col-en .seg").last.inner_text()
    focus_pair(page, 5)
    page.keyboard.press("Alt+ArrowDown")
    wait_for_htmx(page)
    assert row(page, 6).locator(".col-en .seg").first.inner_text() == last_en_5
    page.locator("h1").click()
    page.keyboard.press("Control+z")
    wait_for_htmx(page)
    assert row(page, 5).locator(".col-en .seg").last.inner_text() == last_en_5

    # Ctrl+G goes to a pair by number.
    page.keyboard.press("Control+g")
    page.keyboard.type("12")
    page.keyboard.press("Enter")
    page.wait_for_selector("#pair-12.current")

    # The keys overlay opens with "?".
    page.locator("h1").click()
    page.keyboard.press("?")
    assert page.locator("#keys-dialog").is_visible()
    page.keyboard.press("Escape")

    focus_pair(page, 4)
    page.screenshot(path=str(artifacts / "review.png"), full_page=False)

    # The map page draws the whole document.
    page.goto(f"{live_server.url}/documents/{document_id}/map")
    assert page.locator(".path-plot line").count() >= total
    page.screenshot(path=str(artifacts / "review-map.png"), full_page=False)


def test_conflicting_edits_show_both_versions(
    chromium: Any, live_server: LiveServer, artifacts: Path
) -> None:
    # Two people have the same pair open; the second save gets the conflict view.
    first = chromium.new_context(viewport={"width": 1400, "height": 900}).new_page()
    second = chromium.new_context(viewport={"width": 1400, "height": 900}).new_page()
    for p in (first, second):
        sign_in(p, live_server)
    first.goto(f"{live_server.url}/projects")
    first.click("text=Memoranda")
    first.click("text=Memorandum 108ss")
    url = first.url
    second.goto(url)
    for p in (first, second):
        p.wait_for_selector("#pair-1")
        p.locator("#pair-1 .col-en .edit-link").click()
        p.wait_for_selector("#pair-1 form.editor textarea")
    first.fill("#pair-1 form.editor textarea", "STRICTLY SECRET")
    first.locator("#pair-1 form.editor button.primary").click()
    first.wait_for_selector("#pair-1 .col-en .text:has-text('STRICTLY SECRET')")
    second.fill("#pair-1 form.editor textarea", "TOP SECRET (copy)")
    second.locator("#pair-1 form.editor button.primary").click()
    second.wait_for_selector("#pair-1.conflict")
    text = second.locator("#pair-1.conflict").inner_text()
    assert "STRICTLY SECRET" in text
    assert second.locator("#pair-1.conflict textarea").input_value() == "TOP SECRET (copy)"
    second.screenshot(path=str(artifacts / "review-conflict.png"), full_page=False)
    # Keeping one's own version saves it over the other (knowingly, with the new version).
    second.locator("#pair-1.conflict button.primary").click()
    second.wait_for_selector("#pair-1:not(.conflict) .col-en .text:has-text('TOP SECRET (copy)')")
    first.context.close()
    second.context.close()
