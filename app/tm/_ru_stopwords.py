"""Russian function words (lemmas): too frequent to find a memory match by.

Data, not code. A sentence made only of these is still found: its units index every lemma
(see ``app.tm.analysis.index_keys``).
"""

from __future__ import annotations

_WORDS = """
    а без более бы быть в вас во вот впрочем все всё всегда вы где да даже для до его ее её
    если есть еще ещё же за здесь и из или им их к как какой когда который кто ли лишь
    меж между меня мне много может можно мой мы на над надо наш не него нее неё нет ни них
    но ну о об один он она они оно от очень по под после потом потому почти при про раз
    с сам свой себя со так такой там тебя тем то тогда тоже только тот ты у уж уже хоть
    чем через что чтобы чтоб это этот я весь мочь этот тут ведь вон тот ах ох ой
"""

STOPWORDS: frozenset[str] = frozenset(_WORDS.split())
