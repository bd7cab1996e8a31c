"""Russian language data for segmentation and lemmas: abbreviations and sentence openers.

Data only, no logic (the rules live in :mod:`alignment.segment`). Abbreviations are written
lower case without the final dot; several-part abbreviations join their parts with dots
(``т.е`` stands for ``т. е.`` and ``т.е.``).
"""

from __future__ import annotations

# Never end a sentence: they always stand before what they qualify (a name, a number, a place).
ABBREVIATIONS_NEVER_FINAL: frozenset[str] = frozenset(
    """
    т.е т.к т.н т.о и.о в.т.ч тов тт гр гражд проф акад доц чл корр зам зав нач ген подп
    лейт мл св
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# Stand before a number (``ст. 58``, ``№ 108сс``, ``т. 2``, ``ч. 1``, ``Ф. Р-9401``, ``Оп. 2``,
# ``Д. 64``, ``Л. 12``) and never end a sentence there; elsewhere they are treated as
# ``ABBREVIATIONS_MAY_END``.
ABBREVIATIONS_BEFORE_NUMBER: frozenset[str] = frozenset(
    """
    ст п пп ч чч т гл стр с л лл об ф оп д дд к кв корп рис табл прил разд абз сп арт экз
    изд вып no ок
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# May end a sentence (``в 1932 г.``, ``в XIV в.``, ``им.``); a sentence ends after them only
# when the next word is one that opens sentences (see ``SENTENCE_OPENERS``): ``В 1937 г.
# Семичастный был арестован`` is one sentence.
ABBREVIATIONS_MAY_END: frozenset[str] = frozenset(
    """
    г гг в вв н.э до.н.э р.х с.г ч час мин сек им б бывш ср напр гор обл ул пер просп пл
    пос дер с х р оз окр нар р-н упр отд ком комн ред англ нем фр лат греч кит яп
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# Usually end the sentence they stand in: a capitalised word after them starts the next one.
ABBREVIATIONS_USUALLY_FINAL: frozenset[str] = frozenset(
    """
    т.д т.п др пр об
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# Units after a number (``24 мм.``, ``5 тыс. руб.``): usually final, like the set above.
UNITS: frozenset[str] = frozenset(
    """
    мм см км м кг т га руб коп долл проц тыс млн млрд экз шт чел
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# Parts of an archival reference (``ГАРФ. Ф. Р-9401. Оп. 2. Д. 64. Л. 12``): the dot before
# one of them, followed by its number, does not end a sentence.
CITATION_PARTS: frozenset[str] = frozenset(
    """
    ф оп д дд л лл т ч кн св
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# Russian writes the surname before the initials (``Семичастный В. Е.``): a capitalised word
# after such initials begins a new sentence.
INITIALS_AFTER_SURNAME = True

# Parts of speech (pymorphy3's OpenCorpora tags) of a capitalised word that, after an
# abbreviation that may end a sentence, show the sentence did end: Russian capitalises only
# sentence starts and proper names, and these are never names (nouns and adjectives may be).
SENTENCE_OPENER_POS: frozenset[str] = frozenset(
    """
    VERB INFN PRTS GRND ADVB NPRO PREP CONJ PRCL INTJ PRED NUMR ADJS COMP
    """.split()  # noqa: SIM905 (spaCy-style word list)
)

# Short words that often open a sentence and are not names: after an abbreviation that may end
# a sentence, one of these (capitalised) means the sentence did end. Pronouns, prepositions,
# conjunctions, particles and sentence adverbs.
SENTENCE_OPENERS: frozenset[str] = frozenset(
    """
    а без благодаря более больше вначале впоследствии далее будучи бы был была были было
    в вдруг ведь весь вместе вместо вне во вокруг вот впоследствии впрочем все всё всего
    вскоре всех вся вы где да даже для до его ее её ей ему если есть еще ещё же за затем
    зато здесь и из из-за или им именно иначе иногда их к каждый как какие какой когда
    кроме кто ли либо между меня мне мы на над наш наша наши не него нее неё ней
    некоторые нет ни никто ничего но ну о об он она они оно от отсюда однако около он
    оттуда перед по под позже после поскольку помимо позднее сначала сперва спустя
    несмотря наконец потом потому поэтому при про против пусть раньше с сам сама сами
    само свои своих себе сегодня сейчас со согласно среди так также там тем теперь то
    тогда того тоже только том тот тут у уже хотя через что чтобы эта эти это этого этой
    этот этом я
    """.split()  # noqa: SIM905 (spaCy-style word list)
)
