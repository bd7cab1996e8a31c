"""Exports in a real browser: the demo project's Export panel, a TMX and a PDF downloaded,
the TMX imported back as a new document, and a broken file refused in the page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.interchange.tmx import read_tmx

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def _sign_in(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/login")
    page.fill("#username", live_server.username)
    page.fill("#password", live_server.password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r".*/projects$"))


def test_export_and_import_from_the_panel(
    page: Any, live_server: Any, artifacts: Path, tmp_path: Path
) -> None:
    subprocess.run(
        [sys.executable, "-m", "app.cli", "demo"],
        cwd=ROOT, env=live_server.env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    _sign_in(page, live_server)
    page.click("a:has-text('Demo: rehabilitation memo, 1957')")
    page.click("a:has-text('Export / TMX, XLIFF')")
    page.wait_for_url(re.compile(r".*/projects/\d+/export$"))
    page.screenshot(path=str(artifacts / "exports-panel.png"), full_page=True)

    page.check("input[name=format][value=tmx]")
    with page.expect_download() as info:
        page.click("button:has-text('Export')")
    tmx = tmp_path / info.value.suggested_filename
    info.value.save_as(tmx)
    assert tmx.suffix == ".tmx"
    units = read_tmx(tmx.read_bytes()).units
    assert units[0].ru == "СОВЕРШЕННО СЕКРЕТНО" and units[0].en == "TOP SECRET"

    page.check("input[name=format][value=pdf]")
    page.check("input[name=pair_numbers]")
    with page.expect_download() as info:
        page.click("button:has-text('Export')")
    pdf = tmp_path / info.value.suggested_filename
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    page.set_input_files("#exchange-file", str(tmx))
    page.check("input[name=mode][value=document]")
    page.fill("#exchange-title", "Back from OmegaT")
    page.click("#exchange-import button:has-text('Import')")
    page.wait_for_url(re.compile(r".*/documents/\d+$"))
    assert f"Imported {len(units)} pairs." in page.locator("#flash").inner_text()
    assert page.locator("h1").inner_text() == "Back from OmegaT"

    broken = tmp_path / "broken.tmx"
    broken.write_bytes(tmx.read_bytes()[:-400])
    page.goto(f"{live_server.url}/projects")
    page.click("a:has-text('Demo: rehabilitation memo, 1957')")
    page.click("a:has-text('Export / TMX, XLIFF')")
    page.set_input_files("#exchange-file", str(broken))
    page.click("#exchange-import button:has-text('Import')")
    alert = page.locator("#exchange-import-error")
    assert "not well-formed XML" in alert.inner_text()
    page.screenshot(path=str(artifacts / "exports-import-refused.png"), full_page=True)
