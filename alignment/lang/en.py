"""English language data for segmentation and lemmas: abbreviations, sentence openers, plurals.

Data only, no logic (the rules live in :mod:`alignment.segment` and :mod:`alignment.text`).
Abbreviations are written lower case without the final dot; dotted ones keep their inner dots
(``e.g``, ``u.s.s.r``).
"""

from __future__ import annotations

# Never end a sentence: titles and words that always stand before a name or an example.
ABBREVIATIONS_NEVER_FINAL: frozenset[str] = frozenset(
    """
    mr mrs ms messrs mme mlle dr prof st ste mt ft gen col capt cpt lt sgt maj cmdr adm
    gov sen rep pres rev hon fr e.g i.e cf viz vs
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# Stand before a number (``No. 3265``, ``p. 5``, ``Art. 58``, ``vol. 2``) and never end a
# sentence there; elsewhere they are treated as ``ABBREVIATIONS_MAY_END``.
ABBREVIATIONS_BEFORE_NUMBER: frozenset[str] = frozenset(
    """
    no nos p pp art arts vol vols ch chap sec fig figs para paras op f ff l ll d c ca
    approx tab pl app ed n nn
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# May end a sentence (``in 1100 A.D.``, ``the U.S.S.R.``, ``9 p.m.``); a sentence ends after them
# only when the next word opens sentences (see ``SENTENCE_OPENERS``).
ABBREVIATIONS_MAY_END: frozenset[str] = frozenset(
    """
    sr co a.m p.m a.d b.c b.c.e c.e u.s u.k u.n u.s.s.r jan feb mar
    apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun ave blvd rd sq min
    max esq dept univ assn est
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# Usually end the sentence they stand in (``etc.``, ``et al.``, ``Apple Inc.``): a capitalised
# word after them starts the next one.
ABBREVIATIONS_USUALLY_FINAL: frozenset[str] = frozenset(
    """
    etc jr al inc ltd corp bros
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# Units after a number (``36 mm.``, ``5 ft.``): usually final, like the set above.
UNITS: frozenset[str] = frozenset(
    """
    mm cm km m kg g lb lbs oz ft yd mi sq hrs min sec
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# Archival reference parts: none in English (``f. 5, op. 2`` keeps lower case).
CITATION_PARTS: frozenset[str] = frozenset()

# English writes initials before the surname (``V. E. Semichastny``).
INITIALS_AFTER_SURNAME = False

# No part-of-speech analyser for English here: ``SENTENCE_OPENERS`` alone decides.
SENTENCE_OPENER_POS: frozenset[str] = frozenset()

# Words that often open a sentence and are not names: after an abbreviation that may end a
# sentence, one of these (capitalised) means the sentence did end.
SENTENCE_OPENERS: frozenset[str] = frozenset(
    """
    a about above after again against all also although always among an and another any
    are as at because before being both but by can could did do does during each either
    even every few for from had has have he her here hers him his how however i if in
    instead into is it its just last later many may meanwhile more moreover most much my
    neither never nevertheless no nor not now of on once one only or other others our
    over several she should since so some still such than that the their them then there
    therefore these they this those though thus to today under unlike until up we were
    what when where whether which while who whom whose why will with within without
    would yet you your
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# Words ending in -s that are not plurals of a shorter word (the lookup table omits them).
INVARIABLE_WORDS: frozenset[str] = frozenset(
    """
    series species news means headquarters barracks gallows whereabouts crossroads
    innings lens corps chassis diabetes measles mumps rabies herpes scabies
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# Plurals that the English lookup table does not know and rules would get wrong.
IRREGULAR_PLURALS: dict[str, str] = {
    "collegia": "collegium",
    "curricula": "curriculum",
    "memoranda": "memorandum",
    "addenda": "addendum",
    "errata": "erratum",
    "strata": "stratum",
    "data": "data",
    "media": "media",
    "criteria": "criterion",
    "phenomena": "phenomenon",
    "theses": "thesis",
    "hypotheses": "hypothesis",
    "analyses": "analysis",
    "crises": "crisis",
    "bases": "basis",
    "diagnoses": "diagnosis",
    "appendices": "appendix",
    "indices": "index",
    "matrices": "matrix",
    "apparatchiki": "apparatchik",
    "kolkhozy": "kolkhoz",
    "sovkhozy": "sovkhoz",
}
