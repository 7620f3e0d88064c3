"""The interface every search backend implements (embedded tantivy, Elasticsearch)."""

from __future__ import annotations

import abc
from collections.abc import Iterable

from search.types import SearchQuery, SearchResult, Suggestion

# A search word in more than this share of the documents only ranks what the query's other words
# find (as Lucene's CommonTermsQuery did): matching it would cost a pass over most of the index
# and say little about what the buyer wants. When the other words find fewer than
# MIN_DISTINCTIVE_MATCHES documents, every word matches again. Both backends apply it.
COMMON_TERM_SHARE = 0.2
MIN_DISTINCTIVE_MATCHES = 10


class SearchBackend(abc.ABC):
    """Indexes solution documents (dicts from ``search.indexing``) and answers queries."""

    def __init__(self, **options):
        self.options = options

    @abc.abstractmethod
    def index(self, documents: Iterable[dict]) -> int:
        """Add or replace documents (by ``id``); returns how many were written."""

    @abc.abstractmethod
    def delete(self, solution_ids: Iterable[int]) -> None:
        """Remove documents; ids that are not indexed are ignored."""

    @abc.abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """Run ``query``: hits with scores and highlights, total, facets."""

    @abc.abstractmethod
    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Solution names (either language) that complete ``prefix``."""

    @abc.abstractmethod
    def document_frequencies(self, words: Iterable[str]) -> dict[str, int]:
        """Per word, about how many indexed solutions it matches in any text field, either
        language (an estimate: the largest document frequency over the word's analysed terms).

        Matching keeps a need's most informative (rarest) words and leaves out common ones;
        this answers that from the index's term statistics instead of a query per word.
        """

    @abc.abstractmethod
    def health(self) -> dict:
        """``{"ok": bool, "documents": n, ...details}`` (``documents``: how many solutions are
        indexed, when the engine could say); never raises."""

    @abc.abstractmethod
    def rebuild(self, documents: Iterable[dict], progress=None) -> int:
        """Replace the whole index with ``documents`` without downtime for readers."""

    @abc.abstractmethod
    def indexed_versions(self) -> dict[int, str]:
        """Every indexed solution id with the version stamp it was indexed at (drift check)."""
