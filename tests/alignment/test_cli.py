"""``sverka align`` and ``sverka segment`` run as a translator would run them."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from alignment.cli import main, register
from tests.alignment.test_align import MEMO_EN, MEMO_GOLD, MEMO_RU

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def memo(tmp_path: Path) -> tuple[Path, Path]:
    ru = tmp_path / "memo.ru.txt"
    en = tmp_path / "memo.en.txt"
    ru.write_text("\n".join(MEMO_RU) + "\n", encoding="utf-8-sig")  # with a BOM
    en.write_text("\n".join(MEMO_EN) + "\n", encoding="utf-8")
    return ru, en


def test_align_writes_beads_in_the_gold_format(memo: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "beads.tsv"
    assert main(["align", str(memo[0]), str(memo[1]), "--presegmented", "-o", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    expected = [",".join(map(str, r)) + "\t" + ",".join(map(str, e)) for r, e in MEMO_GOLD]
    assert lines == expected


def test_align_tsv_puts_texts_side_by_side(
    memo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["align", str(memo[0]), str(memo[1]), "--presegmented", "--format", "tsv"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["russian", "english", "confidence"]
    assert [MEMO_RU[4] + " " + MEMO_RU[5], MEMO_EN[4]] == rows[5][:2]
    assert all(0.0 <= float(r[2]) <= 1.0 for r in rows[1:])


def test_align_html_escapes_the_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ru = tmp_path / "ru.txt"
    en = tmp_path / "en.txt"
    ru.write_text("Он написал <b>жирно</b> & ушёл.\n", encoding="utf-8")
    en.write_text("He wrote <b>bold</b> & left.\n", encoding="utf-8")
    assert main(["align", str(ru), str(en), "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; left." in page
    assert "<b>" not in page


def test_align_reads_a_windows_1251_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ru = tmp_path / "ru.txt"
    en = tmp_path / "en.txt"
    ru.write_bytes("\n".join(MEMO_RU).encode("cp1251"))
    en.write_text("\n".join(MEMO_EN), encoding="utf-8")
    assert main(["align", str(ru), str(en), "--presegmented"]) == 0
    assert capsys.readouterr().out.splitlines()[4] == "4,5\t4"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"  \n\n \t\n", "empty"),
        (bytes(range(256)) * 20, "binary"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(
    memo: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    message: str,
) -> None:
    bad = tmp_path / "bad.txt"
    if content is not None:
        bad.write_bytes(content)
    assert main(["align", str(bad), str(memo[1])]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_segment_prints_sentences_and_blank_lines_between_paragraphs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "memo.txt"
    text.write_text(
        " ".join(MEMO_RU[2:4]) + "\n\n" + MEMO_RU[4] + " " + MEMO_RU[5] + "\n", encoding="utf-8"
    )
    assert main(["segment", str(text), "--lang", "ru"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [MEMO_RU[2], MEMO_RU[3], "", MEMO_RU[4], MEMO_RU[5]]


def test_segment_of_a_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segment", "/nonexistent/file.txt", "--lang", "en"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_register_accepts_extra_formats(memo: tuple[Path, Path], tmp_path: Path) -> None:
    written: list[tuple[int, Path | None]] = []
    parser = argparse.ArgumentParser(prog="sverka")
    register(
        parser.add_subparsers(dest="command"),
        {"tmx": lambda result, path: written.append((len(result.beads), path))},
    )
    out = tmp_path / "memo.tmx"
    args = parser.parse_args(
        ["align", str(memo[0]), str(memo[1]), "--presegmented", "--format", "tmx", "-o", str(out)]
    )
    assert args.func(args) == 0
    assert written == [(len(MEMO_GOLD), out)]


def test_module_runs_standalone_without_progress_noise(memo: tuple[Path, Path]) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "alignment.cli",
            "align",
            str(memo[0]),
            str(memo[1]),
            "--presegmented",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stderr == ""  # stderr is not a terminal: no progress bar
    assert proc.stdout.splitlines()[0] == "0\t0"


def test_a_user_dictionary_decides_where_the_text_alone_cannot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ru = tmp_path / "ru.txt"
    en = tmp_path / "en.txt"
    terms = tmp_path / "terms.tsv"
    ru.write_text("Пришёл отчёт о погоде.\nГидрокоптер ушёл на север.\n", encoding="utf-8")
    en.write_text(
        "The weather report came.\n"
        "It rained the whole day and nobody went out at all.\n"
        "The hydrocopter went north.\n",
        encoding="utf-8",
    )
    terms.write_text("гидрокоптер\thydrocopter\n", encoding="utf-8")
    args = ["align", str(ru), str(en), "--presegmented"]
    assert main(args) == 0
    assert "1\t2" not in capsys.readouterr().out.splitlines()
    assert main([*args, "--dictionary", str(terms)]) == 0
    assert capsys.readouterr().out.splitlines() == ["0\t0", "\t1", "1\t2"]
    terms.write_text("гидрокоптер hydrocopter\n", encoding="utf-8")
    assert main([*args, "--dictionary", str(terms)]) == 2
    assert "line 1" in capsys.readouterr().err
