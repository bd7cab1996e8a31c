"""A real CAT tool uses our TMX: OmegaT, in console mode, translates the memo from it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.interchange.conftest import export, need
from tests.interchange.memo import MEMO, memo_document

# OmegaT 3.6's project file; __DEFAULT__ means source/, target/, tm/, glossary/, dictionary/.
OMEGAT_PROJECT = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<omegat>
  <project version="1.0">
    <source_dir>__DEFAULT__</source_dir>
    <source_dir_excludes><mask>**/.svn/**</mask></source_dir_excludes>
    <target_dir>__DEFAULT__</target_dir>
    <tm_dir>__DEFAULT__</tm_dir>
    <glossary_dir>__DEFAULT__</glossary_dir>
    <glossary_file>__DEFAULT__</glossary_file>
    <dictionary_dir>__DEFAULT__</dictionary_dir>
    <source_lang>ru</source_lang>
    <target_lang>en</target_lang>
    <source_tok>org.omegat.tokenizer.LuceneRussianTokenizer</source_tok>
    <target_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</target_tok>
    <sentence_seg>true</sentence_seg>
    <support_default_translations>true</support_default_translations>
    <remove_tags>false</remove_tags>
  </project>
</omegat>
"""


@pytest.mark.slow
def test_omegat_translates_the_russian_source_from_our_tmx(tmp_path: Path) -> None:
    omegat = need("omegat")
    need("java")
    project = tmp_path / "memo-project"
    for folder in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (project / folder).mkdir(parents=True)
    (project / "omegat.project").write_text(OMEGAT_PROJECT, encoding="utf-8")
    (project / "tm" / "auto" / "memo.tmx").write_bytes(export("tmx", memo_document()))
    paragraphs: dict[int, list[str]] = {}
    for ru_paragraph, _, ru, *_ in MEMO:
        paragraphs.setdefault(ru_paragraph, []).append(ru)
    source = "\n\n".join(" ".join(sentences) for sentences in paragraphs.values()) + "\n"
    (project / "source" / "memo.txt").write_text(source, encoding="utf-8")

    run = subprocess.run(
        [
            omegat,
            "--mode=console-translate",
            f"--config-dir={tmp_path / 'omegat-config'}",
            "--disable-project-locking",
            "--no-team",
            "--quiet",
            str(project),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    target = (project / "target" / "memo.txt").read_text(encoding="utf-8")

    assert target.startswith("Memorandum on the Review of Cases\n")
    for english in (
        "Moscow, 14 March 1956.",
        "The Directorate's archive holds 1,247 cases decided by OGPU troikas in 1930–1933. "
        "Of these, 318 cases fall under Order No. 108ss of 2 April 1931. The review showed "
        "that in most cases the charges were supported by nothing. The only evidence was the "
        "confessions of the arrested themselves.",
        "Persons convicted without grounds are to be rehabilitated",
        "Set up a working group of five investigators and two archivists.",
        "Head of Department, Colonel Sorokin",
    ):
        assert english in target
    for russian in ("Служебная записка", "тройками ОГПУ", "реабилитации", "полковник"):
        assert russian not in target
    # OmegaT's own sentence rules cut "I. Существо вопроса" after "I." and "руб. в квартал"
    # after "руб.", so those sentences are no exact match and stay Russian: a CAT tool only
    # takes a memory entry whose source equals its own segment.
    still_russian = [line for line in target.splitlines() if re.search("[а-яА-Я]", line)]
    assert still_russian == [
        "I. Существо вопроса",
        "II. Предложения",
        "Ежемесячно докладывать о ходе работы; расходы составят 12 400 руб. в квартал.",
    ]
