"""The glossary in Chromium: add and refuse terms, see them highlighted in the review view with a
tooltip, import a broken file, read the consistency report, search the concordance, accept an
extracted term and run the document's QA checks."""

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


def import_demo(page: Any, server: LiveServer) -> tuple[int, int]:
    page.goto(f"{server.url}/projects")
    page.fill("input[name=name]", "Glossary of the memorandum")
    page.click("form[action='/projects'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    project_id = int(re.search(r"/projects/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    page.click("text=Import a document")
    page.fill("#import-title-field", "Memorandum 108ss")
    page.set_input_files("#ru-file", str(DEMO / "ru.txt"))
    page.set_input_files("#en-file", str(DEMO / "en.txt"))
    page.click("button:has-text('Import and align')")
    page.wait_for_url(re.compile(r".*/documents/\d+.*"), timeout=120_000)
    page.wait_for_selector("#review-list .pair")
    document_id = int(re.search(r"/documents/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    return project_id, document_id


def add_term(page: Any, ru: str, en: str, **more: str) -> None:
    page.fill("#t-ru", ru)
    page.fill("#t-en", en)
    if "forbidden" in more:
        page.locator("#propose-title ~ form details summary").click()
        page.fill("#t-forb", more["forbidden"])
    if "note" in more:
        page.fill("#t-note", more["note"])
    page.click("button:has-text('Add term')")
    page.wait_for_load_state()


def test_glossary_from_terms_to_review_and_reports(
    page: Any, live_server: LiveServer, artifacts: Path, tmp_path: Path
) -> None:
    sign_in(page, live_server)
    project_id, document_id = import_demo(page, live_server)
    base = live_server.url

    # The project page links to the glossary; the administrator adds approved terms.
    page.goto(f"{base}/projects/{project_id}")
    page.click("a.button:has-text('Glossary')")
    page.wait_for_url(re.compile(rf".*/projects/{project_id}/glossary$"))
    assert "The glossary is empty" in page.locator("#terms").inner_text()
    add_term(page, "тройка", "troika", forbidden="three", note="Extrajudicial NKVD commission")
    assert "“тройка” added as approved." in page.locator("#flash").inner_text()
    page.goto(f"{base}/projects/{project_id}/glossary")
    add_term(
        page,
        "Военная коллегия Верховного суда СССР",
        "Military Collegium of the USSR Supreme Court",
    )
    page.goto(f"{base}/projects/{project_id}/glossary")
    add_term(page, "ОГПУ", "OGPU")

    # A duplicate in another form and a punctuation-only term are refused with a message.
    page.goto(f"{base}/projects/{project_id}/glossary")
    add_term(page, "тройками", "troikas")
    error = page.locator("#propose-title ~ .form-error").inner_text()
    assert "“тройка” is already in the glossary" in error
    assert page.input_value("#t-ru") == "тройками"
    add_term(page, "«…»", "dots")
    assert "only punctuation" in page.locator("#propose-title ~ .form-error").inner_text()

    # A Windows-1251 CSV with a formula in a cell: the message says where, nothing imported.
    bad = tmp_path / "terms.csv"
    bad.write_bytes('ru;en;note\r\nдвойка;dvoika;=HYPERLINK("x")\r\n'.encode("cp1251"))
    page.set_input_files("#g-file", str(bad))
    page.click("button:has-text('Import')")
    page.wait_for_load_state()
    message = page.locator(".import-error").inner_text()
    assert "nothing was imported" in message and "formula" in message and "line 2" in message
    page.screenshot(path=str(artifacts / "glossary-import-error.png"), full_page=True)
    page.goto(f"{base}/projects/{project_id}/glossary")
    rows = page.locator("#terms tbody tr")
    assert rows.count() == 3
    assert "двойка" not in page.locator("#terms").inner_text()

    # Filter by inflected text.
    page.fill("#g-q", "тройками")
    page.click("button:has-text('Find')")
    page.wait_for_load_state()
    assert page.locator("#terms tbody tr").count() == 1
    page.goto(f"{base}/projects/{project_id}/glossary")
    page.screenshot(path=str(artifacts / "glossary-terms.png"), full_page=True)

    # A reviewer edits a term: an admitted equivalent, a domain.
    page.locator("#terms tbody tr", has_text="тройка").locator("a:has-text('Edit')").click()
    page.wait_for_url(re.compile(r".*/terms/\d+/edit$"))
    page.fill("#e-admitted", "three-man commission")
    page.fill("#e-domain", "repression")
    page.screenshot(path=str(artifacts / "glossary-edit.png"), full_page=True)
    page.click("button:has-text('Save')")
    page.wait_for_url(re.compile(rf".*/projects/{project_id}/glossary\?q=.*"))
    assert "“тройка” saved." in page.locator("#flash").inner_text()
    assert "three-man commission" in page.locator("#terms").inner_text()

    # The review view highlights the terms in every form, with a tooltip.
    page.goto(f"{base}/documents/{document_id}")
    marks = page.locator("#review-list .col-ru mark.term")
    marks.first.wait_for()
    texts = {m.inner_text() for m in marks.all()}
    assert {"тройками", "тройки"} <= texts
    assert any(t.startswith("Военной коллегией") for t in texts)
    tooltip = page.locator("#review-list .col-ru mark.term", has_text="тройками").first
    assert "preferred: troika" in tooltip.get_attribute("title")
    assert "Extrajudicial NKVD commission" in tooltip.get_attribute("title")
    assert page.locator("#review-list .col-en mark.term", has_text="troikas").count() >= 1
    tooltip.scroll_into_view_if_needed()
    tooltip.hover()
    page.screenshot(path=str(artifacts / "glossary-review-highlights.png"), full_page=False)
    # The same without a mouse: T on the current pair opens its terms in the pair's panel.
    row = page.locator(
        "#review-list .pair", has=page.locator(".col-ru mark.term", has_text="тройками")
    ).first
    row.locator(".col-num").click()
    page.keyboard.press("t")
    panel = row.locator(".panel.terms")
    panel.wait_for()
    assert "preferred: troika" in panel.inner_text()
    assert "Extrajudicial NKVD commission" in panel.inner_text()

    # Document QA: run the checks, dismiss one finding.
    page.goto(f"{base}/documents/{document_id}/qa")
    # The import already checked every pair (before the glossary had terms).
    assert page.locator(".qa-issues tbody tr").count() >= 1
    assert "Deprecated or forbidden" not in page.locator("#issues").inner_text()
    page.click("button:has-text('Check the whole document')")
    page.wait_for_url(re.compile(rf".*/documents/{document_id}/qa$"))
    findings = page.locator(".qa-issues tbody tr")
    assert findings.count() >= 1
    page.screenshot(path=str(artifacts / "glossary-qa.png"), full_page=True)
    before = findings.count()
    findings.first.locator("button:has-text('Dismiss')").click()
    page.wait_for_load_state()
    assert page.locator(".qa-issues tbody tr").count() == before - 1
    page.goto(f"{base}/documents/{document_id}?flagged=1")
    page.wait_for_selector("#review-list")
    assert page.locator("#review-list .pair.flagged").count() >= 1

    # The consistency report links each rendering to its pairs.
    page.goto(f"{base}/projects/{project_id}/glossary/consistency")
    report = page.locator("#report").inner_text()
    assert "тройка" in report and "troika" in report
    page.screenshot(path=str(artifacts / "glossary-consistency.png"), full_page=True)
    link = page.locator("#report a[href*='/documents/']").first
    link.click()
    # "Go to pair N" opens the page of the document that holds the pair, scrolled to it.
    page.wait_for_url(re.compile(rf".*/documents/{document_id}\b.*#pair-\d+"))
    page.wait_for_selector("#review-list .pair")

    # The concordance finds every form, with the aligned English.
    page.goto(f"{base}/projects/{project_id}/concordance")
    page.fill("#c-q", "тройка")
    page.click("button:has-text('Search')")
    page.wait_for_load_state()
    found = page.locator(".concordance mark")
    assert {m.inner_text() for m in found.all()} >= {"тройками", "тройки"}
    assert "troika" in page.locator(".concordance").inner_text()
    page.screenshot(path=str(artifacts / "glossary-concordance.png"), full_page=True)

    # Term extraction proposes candidates with English; accepting one adds it.
    page.goto(f"{base}/projects/{project_id}/glossary/extract")
    candidates = page.locator(".candidates tbody tr")
    candidates.first.wait_for()
    page.screenshot(path=str(artifacts / "glossary-extraction.png"), full_page=True)
    kgb = page.locator(".candidates tbody tr", has_text="КГБ")
    assert kgb.count() == 1
    assert kgb.locator("input[name=en]").input_value() == "KGB"
    kgb.locator("button:has-text('Accept')").click()
    page.wait_for_load_state()
    assert "“КГБ” added to the glossary" in page.locator("#flash").inner_text()
    assert page.locator(".candidates tbody tr", has_text="КГБ").count() == 0
