"""Small frozen value types of the glossary: terms, their matches in text, QA issues."""

from __future__ import annotations

from dataclasses import dataclass

TERM_STATUSES = ("proposed", "approved", "deprecated", "forbidden")
EQUIVALENT_KINDS = ("preferred", "admitted", "deprecated", "forbidden")
# Equivalents a translator may use; the other kinds are reported when they appear.
ACCEPTED_KINDS = ("preferred", "admitted")


@dataclass(frozen=True, slots=True)
class Equivalent:
    """An English equivalent of a term and how it may be used."""

    en: str
    kind: str = "preferred"

    def __post_init__(self) -> None:
        if self.kind not in EQUIVALENT_KINDS:
            raise ValueError(
                f"unknown equivalent kind {self.kind!r}; use one of {EQUIVALENT_KINDS}"
            )


@dataclass(frozen=True, slots=True)
class Term:
    """A Russian term (one or more words) with its English equivalents."""

    id: int | str
    ru: str
    equivalents: tuple[Equivalent, ...] = ()
    status: str = "proposed"
    part_of_speech: str = ""
    note: str = ""
    domain: str = ""

    def __post_init__(self) -> None:
        if self.status not in TERM_STATUSES:
            raise ValueError(f"unknown term status {self.status!r}; use one of {TERM_STATUSES}")

    @property
    def accepted(self) -> tuple[Equivalent, ...]:
        """The preferred and admitted equivalents, preferred first."""
        return tuple(
            sorted(
                (e for e in self.equivalents if e.kind in ACCEPTED_KINDS),
                key=lambda e: ACCEPTED_KINDS.index(e.kind),
            )
        )


@dataclass(frozen=True, slots=True)
class Match:
    """A term found in a text: ``text[start:end]``.

    For English matches ``equivalent`` is the glossary equivalent that was found and ``kind``
    its kind (preferred, admitted, deprecated, forbidden); both are empty for Russian matches.
    """

    term_id: int | str
    lang: str
    start: int
    end: int
    text: str
    equivalent: str = ""
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Issue:
    """One QA finding on a pair; spans are ``(start, end)`` character offsets per side."""

    check_id: str
    message: str
    severity: str = "warning"
    ru_spans: tuple[tuple[int, int], ...] = ()
    en_spans: tuple[tuple[int, int], ...] = ()
