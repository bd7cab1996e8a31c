"""``sverka terms check``: linter-style output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from glossary.cli import main

GLOSSARY = (
    "ru,en,en_forbidden\n"
    "тройка,troika,three\n"
    "ОГПУ,OGPU,\n"
    "Военная коллегия Верховного суда СССР,Military Collegium of the USSR Supreme Court,\n"
)
RU = (
    "Постановлением Тройки ОГПУ от 26.12.1932 осуждены 36 225 человек.\n"
    "\n"
    "Дело рассмотрено Военной коллегией Верховного суда СССР.\n"
)
EN_GOOD = (
    "By a decision of the OGPU troika of 26 December 1932, 36,225 people were convicted.\n"
    "\n"
    "The case was heard by the Military Collegium of the USSR Supreme Court.\n"
)
EN_BAD = (
    "By a decision of the OGPU three of 26 December 1932, 36,252 people were convicted.\n"
    "\n"
    "The case was heard by the Supreme Court.\n"
)


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "glossary": tmp_path / "terms.csv",
        "ru": tmp_path / "ru.txt",
        "good": tmp_path / "good.txt",
        "bad": tmp_path / "bad.txt",
    }
    paths["glossary"].write_text(GLOSSARY, encoding="utf-8")
    paths["ru"].write_text(RU, encoding="utf-8")
    paths["good"].write_text(EN_GOOD, encoding="utf-8")
    paths["bad"].write_text(EN_BAD, encoding="utf-8")
    return paths


def run(files: dict[str, Path], en: str, *extra: str) -> int:
    return main(["terms", "check", "--glossary", str(files["glossary"]), *extra,
                 str(files["ru"]), str(files[en])])  # fmt: skip


def test_clean_translation_exits_0(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(files, "good", "--all-checks") == 0
    assert capsys.readouterr().out == ""


def test_issues_are_printed_like_a_linter_and_exit_1(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(files, "bad") == 1
    ru, en = files["ru"], files["bad"]
    assert capsys.readouterr().out.splitlines() == [
        f'{ru}:1: terminology: "Тройки" → expected "troika" in the translation',
        f'{ru}:3: terminology: "Военной коллегией Верховного суда СССР" → expected '
        '"Military Collegium of the USSR Supreme Court" in the translation',
        f'{en}:1: terminology-discouraged: "three" is a forbidden equivalent of "тройка"; '
        'use "troika"',
    ]


def test_all_checks_adds_the_other_qa_checks(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(files, "bad", "--all-checks") == 1
    out = capsys.readouterr().out
    assert f"{files['ru']}:1: numbers: 36 225 is not in the translation" in out
    assert f"{files['bad']}:1: numbers: 36,252 is in the translation but not in the Russian" in out


def test_bad_input_exits_2_with_one_clear_line(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text("ru,en\nтройка,troika\nтройки,=1+2\n", encoding="utf-8")
    files["glossary"] = broken
    assert run(files, "good") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"sverka: {broken}: nothing was imported, 2 problems")
    assert "Traceback" not in err

    files["glossary"] = tmp_path / "missing.tbx"
    assert run(files, "good") == 2
    assert "cannot read the glossary file" in capsys.readouterr().err

    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    files["glossary"] = tmp_path / "terms.csv"
    files["glossary"].write_text(GLOSSARY, encoding="utf-8")
    files["empty"] = empty
    assert run(files, "empty") == 2
    assert (
        capsys.readouterr().err
        == f"sverka: {empty}: the file is empty; there is nothing to check\n"
    )

    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Тройка".encode("cp1251"))
    files["latin1"] = latin1
    assert run(files, "latin1") == 2
    assert "is not UTF-8 text" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["terms", "check", "ru.txt"]) == 2
    assert "--glossary" in capsys.readouterr().err


def test_the_sverka_command_runs_it(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main as sverka

    args = ["terms", "check", "--glossary", str(files["glossary"]), str(files["ru"])]
    assert sverka([*args, str(files["good"])]) == 0
    assert sverka([*args, str(files["bad"])]) == 1
    assert capsys.readouterr().out.count("terminology") == 3
    missing = ["terms", "check", "--glossary", str(tmp_path / "none.csv")]
    assert sverka([*missing, str(files["ru"]), str(files["good"])]) == 2
    assert "Traceback" not in capsys.readouterr().err
