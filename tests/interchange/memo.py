"""A short bilingual archival memo written for these tests (not a published text).

Russian original and English translation, with headings, dates, figures, an order number
(№ 108сс), a 1-2 bead, a translator's note and glossary entries: what a real archival
project looks like, small enough to read in a test failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from app.interchange.types import BilingualDocument, ExportPair, GlossaryEntry

CREATED = datetime(2026, 3, 2, 9, 15, 0, tzinfo=UTC)

# (ru paragraph, en paragraph, ru, en, status, kind, heading)
MEMO: list[tuple[int, int, str, str, str, str, bool | None]] = [
    (
        0,
        0,
        "Служебная записка о пересмотре дел",
        "Memorandum on the Review of Cases",
        "approved",
        "1-1",
        True,
    ),
    (1, 1, "Москва, 14 марта 1956 г.", "Moscow, 14 March 1956.", "approved", "1-1", None),
    (2, 2, "I. Существо вопроса", "I. The Matter at Issue", "approved", "1-1", True),
    (
        3,
        3,
        "В архиве Управления хранится 1 247 дел, рассмотренных тройками ОГПУ в 1930–1933 годах.",
        "The Directorate's archive holds 1,247 cases decided by OGPU troikas in 1930–1933.",
        "approved",
        "1-1",
        None,
    ),
    (
        3,
        3,
        "Из них 318 дел относятся к приказу № 108сс от 2 апреля 1931 г.",
        "Of these, 318 cases fall under Order No. 108ss of 2 April 1931.",
        "approved",
        "1-1",
        None,
    ),
    (
        3,
        3,
        "Проверка показала, что в большинстве случаев обвинения не подтверждались ничем, "
        "кроме признаний самих арестованных.",
        "The review showed that in most cases the "
        "charges were supported by nothing. The only evidence was the confessions of the "
        "arrested themselves.",
        "reviewed",
        "1-2",
        None,
    ),
    (
        4,
        4,
        "Прошу разрешить пересмотр всех 318 дел в порядке надзора.",
        "I request permission to review all 318 cases by way of supervisory procedure.",
        "approved",
        "1-1",
        None,
    ),
    (
        4,
        4,
        "Лица, осуждённые необоснованно, подлежат реабилитации, а их родственникам "
        "следует выдать справки установленного образца.",
        "Persons convicted without grounds "
        "are to be rehabilitated, and their relatives are to be issued certificates in the "
        "prescribed form.",
        "translated",
        "1-1",
        None,
    ),
    (5, 5, "II. Предложения", "II. Proposals", "approved", "1-1", True),
    (
        6,
        6,
        "Создать рабочую группу из пяти следователей и двух архивистов.",
        "Set up a working group of five investigators and two archivists.",
        "confirmed",
        "1-1",
        None,
    ),
    (
        7,
        7,
        "Завершить проверку до 1 октября 1956 г.",
        "Complete the review by 1 October 1956.",
        "auto",
        "1-1",
        None,
    ),
    (
        8,
        8,
        "Ежемесячно докладывать о ходе работы; расходы составят 12 400 руб. в квартал.",
        "Report on progress monthly; expenses will come to 12,400 roubles per quarter.",
        "rejected",
        "1-1",
        None,
    ),
    (
        9,
        9,
        "Начальник отдела полковник Сорокин",
        "Head of Department, Colonel Sorokin",
        "approved",
        "1-1",
        False,
    ),
]

NOTES = {5: ("“сс” stands for “совершенно секретно” (top secret); kept as in the original.",)}

GLOSSARY = (
    GlossaryEntry("тройка ОГПУ", "OGPU troika", "extrajudicial three-member board"),
    GlossaryEntry("реабилитация", "rehabilitation", ""),
    GlossaryEntry("в порядке надзора", "by way of supervisory procedure", "legal term"),
)

#: Text that breaks naive writers: markup characters, quotes, emoji, a combining accent,
#: no-break spaces, a tab, a stray control character, leading and trailing spaces.
TRICKY: list[tuple[str, str]] = [
    ("Сумма & <итог> \"в кавычках\" 'и так' © 2026", "Total & <sum> \"quoted\" 'so' © 2026"),
    ("Архив 📁 и печать 🔏 — ударе\u0301ние", "Archive 📁 and seal 🔏 — stre\u0301ss"),
    ("№\u00a0108сс от\u00a02\u00a0апреля", "No.\u00a0108ss of\u00a02\u00a0April"),
    ("=СУММ(A1:A3)", "-1 + 1 @ cell\tand tab"),
    ("  отступ в начале", "trailing space  "),
    ("Строка\x07 с управляющим символом", "Line\x07 with a control character"),
    ("]]> и &amp; буквально", "]]> and &amp; literally"),
]


def memo_pairs(extra: list[tuple[str, str]] | None = None) -> Iterator[ExportPair]:
    """The memo as export pairs (a generator, as the app streams them)."""
    rows = list(MEMO)
    for ru, en in extra or []:
        rows.append((20 + len(rows), 20 + len(rows), ru, en, "translated", "1-1", False))
    for index, (rp, ep, ru, en, status, kind, heading) in enumerate(rows, start=1):
        yield ExportPair(
            position=index,
            ru=ru,
            en=en,
            status=status,
            kind=kind,
            confidence=round(0.5 + (index % 5) / 10, 2),
            ru_paragraph=rp,
            en_paragraph=ep,
            created_at=CREATED + timedelta(minutes=index),
            changed_at=CREATED + timedelta(days=1, minutes=index),
            created_by="aligner" if status == "auto" else "o.petrova",
            changed_by="o.petrova" if status != "approved" else "i.markov",
            notes=NOTES.get(index, ()),
            heading=heading,
        )


def memo_document(extra: list[tuple[str, str]] | None = None) -> BilingualDocument:
    return BilingualDocument(
        title="Memorandum on the Review of Cases",
        pairs=memo_pairs(extra),
        project="Rehabilitation files, 1956",
        author="Directorate archive",
        translator="O. Petrova",
        glossary=GLOSSARY,
        exported_at=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
    )
