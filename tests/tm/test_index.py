"""The in-process index proposes the units sharing the rarest lemmas, within allowed projects."""

from __future__ import annotations

from app.tm import analyse, index_keys, query_keys
from app.tm.index import MemoryIndex

MEMORY = [
    "Старый доктор приехал в город поздно вечером.",
    "Молодой доктор уехал из города рано утром.",
    "Кошка спала на тёплой печке весь день.",
    "Доктор Старцев любил играть в винт по вечерам.",
]


def build(project_of: dict[int, int] | None = None) -> MemoryIndex:
    index = MemoryIndex()
    for unit_id, text in enumerate(MEMORY, start=1):
        project = (project_of or {}).get(unit_id, 1)
        index.add(unit_id, project, index_keys(analyse(text)))
    return index


def test_the_unit_sharing_the_most_rare_lemmas_comes_first() -> None:
    index = build()
    found = index.candidates(query_keys(analyse("Старым доктором приехали в города вечером")), [1])
    assert found[0] == 1
    assert 3 not in found  # shares nothing with the query


def test_units_of_other_projects_are_never_proposed() -> None:
    index = build({1: 2})
    found = index.candidates(query_keys(analyse("Старый доктор приехал в город вечером.")), [1])
    assert 1 not in found and found
    assert index.candidates(query_keys(analyse("Кошка спала.")), [3]) == []


def test_limit_and_counts() -> None:
    index = build()
    assert len(index) == 4 and index.max_id == 4
    keys = query_keys(analyse("доктор"))
    assert index.document_frequency(keys[0]) == 3
    assert len(index.candidates(keys, [1], limit=2)) == 2
    assert index.nbytes() > 0


def test_function_words_do_not_outweigh_the_one_content_word_a_short_query_has() -> None:
    from app.tm.analysis import light_keys

    index = MemoryIndex()
    memory = ["Не подходите ко мне близко.", "Не ко мне.", "Ко мне не надо."]
    for unit_id, text in enumerate(memory, start=1):
        index.add(unit_id, 1, index_keys(analyse(text)))
    query = analyse("Не ко мне близко.")
    found = index.candidates(query_keys(query), [1], light=light_keys(query))
    assert found[0] == 1
