"""Terminology: the glossary's approved terms are translated with their equivalents."""

from __future__ import annotations

from glossary.checks.base import Check, PairContext
from glossary.types import ACCEPTED_KINDS, Issue


def _quoted(items: list[str]) -> str:
    return " or ".join(f'"{item}"' for item in items)


class MissingEquivalentCheck(Check):
    """An approved term whose preferred/admitted equivalents are all absent from the translation."""

    check_id = "terminology"
    name = "Term not translated as in the glossary"
    description = (
        "An approved glossary term occurs in the Russian text, but none of its preferred or "
        "admitted English equivalents is in the translation."
    )
    needs_glossary = True

    def check(self, ctx: PairContext) -> list[Issue]:
        """One issue per missing term, with all its places in the Russian."""
        matcher = ctx.matcher
        assert matcher is not None
        wanted = {
            m.term_id
            for m in ctx.ru_matches
            if matcher.accepted[m.term_id] and matcher.terms[m.term_id].status == "approved"
        }
        if not wanted:
            return []
        wanted -= {m.term_id for m in ctx.en_matches if m.kind in ACCEPTED_KINDS}
        if wanted:
            # "court" is there even where it is part of another term's "Supreme Court".
            wanted -= {m.term_id for m in ctx.en_matches_overlapping if m.kind in ACCEPTED_KINDS}
        issues: list[Issue] = []
        for match in ctx.ru_matches:
            if match.term_id not in wanted:
                continue
            wanted.discard(match.term_id)
            spans = tuple((m.start, m.end) for m in ctx.ru_matches if m.term_id == match.term_id)
            expected = _quoted([e.en for e in matcher.accepted[match.term_id]])
            issues.append(
                self.issue(
                    f'"{match.text}" → expected {expected} in the translation', ru_spans=spans
                )
            )
        return issues


class DiscouragedEquivalentCheck(Check):
    """A deprecated (warning) or forbidden (error) equivalent in the translation."""

    check_id = "terminology-discouraged"
    name = "Deprecated or forbidden equivalent used"
    description = (
        "The translation uses an English equivalent the glossary marks as deprecated or "
        "forbidden (and it is not an accepted equivalent of another term in the source)."
    )
    needs_glossary = True

    def check(self, ctx: PairContext) -> list[Issue]:
        """One issue per discouraged equivalent found in the English."""
        assert ctx.matcher is not None
        if not ctx.matcher.has_discouraged:
            return []
        in_source = {m.term_id for m in ctx.ru_matches}
        accepted_spans = {
            (m.start, m.end)
            for m in ctx.en_matches
            if m.kind in ACCEPTED_KINDS and m.term_id in in_source
        }
        issues: list[Issue] = []
        for match in ctx.en_matches:
            if match.kind in ACCEPTED_KINDS or (match.start, match.end) in accepted_spans:
                continue
            term = ctx.matcher.terms[match.term_id]
            better = [e.en for e in term.accepted]
            hint = f"; use {_quoted(better)}" if better else ""
            issues.append(
                self.issue(
                    f'"{match.text}" is a {match.kind} equivalent of "{term.ru}"{hint}',
                    en_spans=((match.start, match.end),),
                    severity="error" if match.kind == "forbidden" else "warning",
                )
            )
        return issues
