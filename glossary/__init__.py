"""Sverka's glossary: terms recognised in every inflected form, and QA checks on pairs.

A plain library built on :mod:`alignment.text`; it imports neither the web app nor the database.

Public API::

    glossary.types         Term, Equivalent, Match, Issue (frozen dataclasses)
    glossary.matcher       TermMatcher(terms).find_ru(text) / .find_en(text), term_key(ru)
    glossary.checks        run_checks(ru, en, matcher=..., checks=...), ALL_CHECKS, get_check
    glossary.extract       extract_candidates(pairs, known=...) -> list[Candidate]
    glossary.consistency   consistency(pairs, matcher), guess_renderings(...), concordance(...)
    glossary.io            import_csv / export_csv, import_tbx / export_tbx, load_glossary
    glossary.cli           ``sverka terms check --glossary FILE RU_FILE EN_FILE``
"""
