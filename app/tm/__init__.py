"""Translation memory without a database: analysis, Russian-aware fuzzy scores, index keys.

Pure Python (no SQLAlchemy, no HTTP), so it can be tested and benchmarked on its own;
``app.services.tm`` stores units and their keys and calls this package to rank them.
"""

from app.tm.analysis import (
    Analysed,
    TMToken,
    analyse,
    exact_hash,
    index_keys,
    lemma_hash,
    query_keys,
)
from app.tm.scoring import DiffSpan, Scored, diff_spans, score, score_stored, substitute_numbers

__all__ = [
    "Analysed",
    "DiffSpan",
    "Scored",
    "TMToken",
    "analyse",
    "diff_spans",
    "exact_hash",
    "index_keys",
    "lemma_hash",
    "query_keys",
    "score",
    "score_stored",
    "substitute_numbers",
]
