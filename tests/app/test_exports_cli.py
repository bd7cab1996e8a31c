"""``sverka export`` and ``sverka align --format …``, run as a user runs them (subprocesses),
and the demo project's editions rendered to PNG for a person to look at."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from app.interchange.tmx import read_tmx
from app.interchange.xliff import read_xliff
from app.models import Pair, PairStatus, Project
from tests.app.team import MEMO, Team, make_team
from tests.app.test_cli import _one_clear_line, sverka

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DEMO = ROOT / "app" / "demo"


@pytest.fixture
def team(app: FastAPI) -> Team:
    made = make_team(app)
    with app.state.session_factory() as session, session.begin():
        session.execute(
            update(Pair).where(Pair.id.in_(made.pair_ids[:2])).values(status=PairStatus.APPROVED)
        )
    return made


def test_export_a_document_and_a_project_by_id(
    tmp_path: Path, database_url: str, team: Team
) -> None:
    out = tmp_path / "memo.tmx"
    result = sverka(
        tmp_path, "export", f"document:{team.document_id}", "-o", str(out),
        database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"Wrote {len(MEMO)} pairs to {out}" in result.stdout
    assert [(u.ru, u.en) for u in read_tmx(out.read_bytes()).units] == MEMO
    xliff = tmp_path / "project.xliff"
    result = sverka(
        tmp_path, "export", f"project:{team.project_id}", "--format", "xliff", "-o", str(xliff),
        "--only-approved", database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    units = read_xliff(xliff.read_bytes()).units
    assert [(u.ru, u.en, u.status) for u in units] == [
        (*MEMO[0], "approved"),
        (*MEMO[1], "approved"),
    ]


def test_export_a_project_by_name_as_an_edition(
    app: FastAPI, tmp_path: Path, database_url: str, team: Team
) -> None:
    with app.state.session_factory() as session:
        project = session.get(Project, team.project_id)
        assert project is not None
        name = project.name
    html = tmp_path / "memo.html"
    result = sverka(
        tmp_path, "export", name, "-o", str(html), "--pair-numbers", "--no-title-page",
        "--layout", "alternating", database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = html.read_text(encoding="utf-8")
    assert '<main class="alternating">' in text and '<header class="title-page">' not in text
    assert '<sup class="n">3</sup>' in text
    assert "236,225 complaints" in text


def test_export_mistakes_get_one_clear_line(tmp_path: Path, database_url: str, team: Team) -> None:
    cases = {
        ("export", "No such project", "-o", "x.tmx"): "No project is called “No such project”",
        ("export", "document:999999", "-o", "x.tmx"): "no document with id 999999",
        ("export", f"project:{team.project_id}", "-o", "x.odt"): "Say which format",
        ("export", f"project:{team.project_id}", "-o", str(tmp_path / "no" / "x.tmx")): (
            "cannot write it"
        ),
    }
    for args, message in cases.items():
        line = _one_clear_line(sverka(tmp_path, *args, database_url=database_url))
        assert message in line, line
    assert not (tmp_path / "x.tmx").exists()


def test_align_and_publish_in_one_command(tmp_path: Path) -> None:
    import docx

    tmx = tmp_path / "memo.tmx"
    result = sverka(
        tmp_path, "align", str(DEMO / "ru.txt"), str(DEMO / "en.txt"), "--format", "tmx",
        "-o", str(tmx), timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    units = read_tmx(tmx.read_bytes()).units
    assert len(units) > 15
    assert units[0].ru == "СОВЕРШЕННО СЕКРЕТНО" and units[0].en == "TOP SECRET"
    assert all(u.status == "auto" and u.kind for u in units)
    # Paragraph numbers come from the texts: an edition keeps the paragraphs.
    assert len({u.ru_paragraph for u in units}) > 5
    word = tmp_path / "memo.docx"
    result = sverka(
        tmp_path, "align", str(DEMO / "ru.txt"), str(DEMO / "en.txt"), "--format", "docx",
        "-o", str(word), timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    table = docx.Document(str(word)).tables[0]
    assert len(table.columns) == 2
    assert "СОВЕРШЕННО СЕКРЕТНО" in table.cell(1, 0).text or any(
        "СОВЕРШЕННО СЕКРЕТНО" in row.cells[0].text for row in table.rows
    )
    line = _one_clear_line(
        sverka(tmp_path, "align", str(DEMO / "ru.txt"), str(DEMO / "en.txt"), "--format", "pdf")
    )
    assert "give -o FILE" in line


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"needs `{tool}` (Debian package), which is not installed here")
    return path


@pytest.mark.slow
def test_the_demo_projects_editions_rendered_for_a_reader(tmp_path: Path) -> None:
    """`sverka demo`, then `sverka export` its HTML and PDF editions, rendered to PNG."""
    chromium = _need("chromium")
    _need("pdftoppm")
    loaded = sverka(tmp_path, "demo", timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    project = "Demo: rehabilitation memo, 1957"
    html = ARTIFACTS / "app-demo-edition.html"
    pdf = ARTIFACTS / "app-demo-edition.pdf"
    for out, extra in ((html, ["--pair-numbers"]), (pdf, [])):
        result = sverka(tmp_path, "export", project, "-o", str(out), *extra, timeout=300)
        assert result.returncode == 0, result.stderr
    text = html.read_text(encoding="utf-8")
    assert "Memo on the review of cases" in text and "СОВЕРШЕННО СЕКРЕТНО" in text
    shot = ARTIFACTS / "app-demo-edition-html.png"
    shot.unlink(missing_ok=True)
    subprocess.run(
        [
            chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium'}", "--hide-scrollbars",
            "--window-size=1280,1800", f"--screenshot={shot}", html.as_uri(),
        ],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert shot.stat().st_size > 50_000  # a page of text, not a blank image
    for old in ARTIFACTS.glob("app-demo-edition-pdf-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(pdf), str(ARTIFACTS / "app-demo-edition-pdf")],
        check=True,
        timeout=120,
    )
    pages = sorted(ARTIFACTS.glob("app-demo-edition-pdf-*.png"))
    assert len(pages) >= 2
    assert all(page.stat().st_size > 10_000 for page in pages)
    extracted = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "СОВЕРШЕННО СЕКРЕТНО" in extracted and "TOP SECRET" in extracted
