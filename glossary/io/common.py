"""What every glossary import shares: entries read from a file, then validated all at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from glossary.matcher import term_key
from glossary.types import EQUIVALENT_KINDS, TERM_STATUSES, Equivalent, Term

# A translator's file may carry a few thousand problems; the message shows the first ones.
MAX_SHOWN = 20


class GlossaryImportError(ValueError):
    """The file cannot be imported; ``problems`` says where and why, one line each.

    Nothing of the file is imported when this is raised.
    """

    def __init__(self, problems: list[str], *, filename: str = "") -> None:
        self.problems = problems
        self.filename = filename
        where = f"{filename}: " if filename else ""
        shown = problems[:MAX_SHOWN]
        more = len(problems) - len(shown)
        tail = f"\n… and {more} more problems" if more > 0 else ""
        if len(problems) == 1:
            super().__init__(f"{where}nothing was imported: {problems[0]}")
        else:
            lines = "\n".join(f"  {p}" for p in shown)
            super().__init__(
                f"{where}nothing was imported, {len(problems)} problems:\n{lines}{tail}"
            )


@dataclass
class RawEntry:
    """One term as read from a file, before validation; ``where`` is ``"line 7"`` or similar."""

    where: str
    ru: str
    equivalents: list[tuple[str, str]] = field(default_factory=list)
    status: str = ""
    part_of_speech: str = ""
    note: str = ""
    domain: str = ""
    id: str = ""


@dataclass(frozen=True)
class ImportResult:
    """The terms of a file that passed validation, and warnings that did not stop the import."""

    terms: list[Term]
    warnings: list[str]


def validate(entries: list[RawEntry], *, default_status: str = "approved") -> list[Term]:
    """Terms from raw entries, or :class:`GlossaryImportError` listing every problem found.

    Refused: a term without a word (only punctuation), an unknown status or equivalent kind,
    and two entries with the same lemma sequence (``тройка`` and ``тройки`` are one term).
    """
    problems: list[str] = []
    seen: dict[str, RawEntry] = {}
    terms: list[Term] = []
    ids: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        ru = " ".join(entry.ru.split())
        if not ru:
            problems.append(f"{entry.where}: the Russian term is empty")
            continue
        key = term_key(ru)
        if not key:
            problems.append(
                f'{entry.where}: the Russian term "{ru}" has no letters or digits '
                "(only punctuation); write the term itself"
            )
            continue
        first = seen.get(key)
        if first is not None:
            problems.append(
                f'{entry.where}: "{ru}" is the same term as "{first.ru}" ({first.where}); '
                "keep one entry and put all English equivalents in it"
            )
            continue
        seen[key] = entry
        status = (entry.status or default_status).strip().lower()
        if status not in TERM_STATUSES:
            problems.append(
                f'{entry.where}: unknown status "{entry.status}"; use one of '
                + ", ".join(TERM_STATUSES)
            )
            continue
        equivalents: list[Equivalent] = []
        bad_equivalent = False
        for en, kind in entry.equivalents:
            en = " ".join(en.split())
            if not en:
                continue
            if kind not in EQUIVALENT_KINDS:
                problems.append(
                    f'{entry.where}: unknown kind "{kind}" for "{en}"; use one of '
                    + ", ".join(EQUIVALENT_KINDS)
                )
                bad_equivalent = True
                continue
            if not any(ch.isalnum() for ch in en):
                problems.append(
                    f'{entry.where}: the English equivalent "{en}" has no letters or digits'
                )
                bad_equivalent = True
                continue
            if all(e.en.casefold() != en.casefold() for e in equivalents):
                equivalents.append(Equivalent(en, kind))
        if bad_equivalent:
            continue
        term_id = entry.id.strip() or f"t{number}"
        if term_id in ids:
            problems.append(f'{entry.where}: the id "{term_id}" is used twice')
            continue
        ids.add(term_id)
        terms.append(
            Term(
                id=term_id,
                ru=ru,
                equivalents=tuple(equivalents),
                status=status,
                part_of_speech=entry.part_of_speech.strip(),
                note=entry.note.strip(),
                domain=entry.domain.strip(),
            )
        )
    if problems:
        raise GlossaryImportError(problems)
    return terms
