"""An in-process inverted index of memory units by lemma key, for candidate retrieval.

The database keeps the units and their keys (``tm_postings``); a process loads them once into
this index and then adds new units as they appear, so that a lookup costs a few array
operations instead of a GROUP BY over hundreds of thousands of rows. The index only proposes
candidates: scores are always computed from the units as the database has them now, so a unit
deleted since it was indexed is simply not found there.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Collection, Iterable, Sequence

import numpy as np

_ALWAYS = 3  # the rarest keys are read whatever the budget: they say most about a sentence


class MemoryIndex:
    """Unit ids by lemma key, with each unit's project, for the rarest-keys-first lookup."""

    def __init__(self) -> None:
        self._postings: dict[int, array[int]] = {}
        self._project = array("i")  # project id of each unit id (0: none)
        self._keys = array("H")  # how many keys each unit id has
        self.units = 0
        self.max_id = 0

    def add(self, unit_id: int, project_id: int, keys: Iterable[int]) -> None:
        """Index one unit under its lemma keys (ids must be added in any order, once)."""
        if unit_id >= len(self._project):
            grow = max(unit_id + 1 - len(self._project), len(self._project) // 2, 1024)
            self._project.extend([0] * grow)
            self._keys.extend([0] * grow)
        if self._project[unit_id] == 0:
            self.units += 1
        self._project[unit_id] = project_id
        self.max_id = max(self.max_id, unit_id)
        for key in keys:
            self._keys[unit_id] = min(self._keys[unit_id] + 1, 65535)
            postings = self._postings.get(key)
            if postings is None:
                postings = self._postings[key] = array("q")
            postings.append(unit_id)

    def __len__(self) -> int:
        return self.units

    def document_frequency(self, key: int) -> int:
        """How many units have this key."""
        postings = self._postings.get(key)
        return 0 if postings is None else len(postings)

    def candidates(
        self,
        keys: Sequence[int],
        projects: Sequence[int],
        *,
        limit: int = 100,
        budget: int = 20_000,
        light: Collection[int] = frozenset(),
    ) -> list[int]:
        """Up to ``limit`` unit ids of ``projects`` sharing the most (idf-weighted) keys with
        the query, best first. Reads the rarest keys first, at most about ``budget`` postings;
        ``light`` keys (function words) count a fifth. Units with many keys besides the shared
        ones rank lower (the sum is divided by the square root of the unit's key count), so a
        short sentence is not drowned by long ones that merely contain its words."""
        present = sorted((len(self._postings[k]), k) for k in set(keys) if k in self._postings)
        if not present or not projects:
            return []
        chosen: list[tuple[int, int]] = []
        read = 0
        for df, key in present:
            if len(chosen) >= _ALWAYS and read + df > budget:
                break
            chosen.append((df, key))
            read += df
        total = max(self.units, 1)
        ids = np.concatenate([np.frombuffer(self._postings[k], dtype=np.int64) for _, k in chosen])
        weights = np.concatenate(
            [
                np.full(df, math.log(1 + total / df) * (0.2 if k in light else 1.0))
                for df, k in chosen
            ]
        )
        project_of = np.frombuffer(self._project, dtype=np.int32)
        allowed = np.isin(project_of[ids], np.asarray(projects, dtype=np.int32))
        ids, weights = ids[allowed], weights[allowed]
        if ids.size == 0:
            return []
        # Sum the weights per unit over the postings read (a sort of the few ids read is
        # cheaper than a pass over an array as long as the whole memory).
        hit, inverse = np.unique(ids, return_inverse=True)
        counts = np.frombuffer(self._keys, dtype=np.uint16)[hit].astype(np.float64)
        sums = np.bincount(inverse, weights=weights) / np.sqrt(np.maximum(counts, 1.0))
        if hit.size > limit:
            top = np.argpartition(sums, -limit)[-limit:]
            hit, sums = hit[top], sums[top]
        order = np.argsort(-sums, kind="stable")
        return [int(i) for i in hit[order]]

    def nbytes(self) -> int:
        """An estimate of the memory the index holds (arrays plus dictionary overhead)."""
        data = sum(p.buffer_info()[1] * p.itemsize for p in self._postings.values())
        overhead = len(self._postings) * (64 + 100)  # array object + dict slot and int key
        per_unit = len(self._project) * (self._project.itemsize + self._keys.itemsize)
        return data + overhead + per_unit
