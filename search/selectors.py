"""Reads for search: ask the backend, then turn its ids into solutions in the engine's order."""

from __future__ import annotations

from catalogue.models import Solution
from search.backends import get_backend
from search.types import SearchQuery, SearchResult, SearchUnavailable, Suggestion

# What a hit shows (search/api/serializers.py); long descriptions stay in the database.
HIT_FIELDS = (
    "id",
    "exchange_id",
    "status",
    "name_ko",
    "name_en",
    "summary_ko",
    "summary_en",
    "category",
    "tags",
    "vendor__id",
    "vendor__name_ko",
    "vendor__name_en",
    "vendor__country",
)


def solutions_in_order(solution_ids: list[int]) -> list[Solution]:
    """Published solutions for ``solution_ids``, in that order; ids gone from the DB are skipped."""
    # By primary key, then the status in Python: filtering on status in SQL let SQLite (without
    # planner statistics) walk the whole status index instead of fetching ten rows.
    by_id = Solution.objects.select_related("vendor").only(*HIT_FIELDS).in_bulk(solution_ids)
    return [
        by_id[i]
        for i in solution_ids
        if i in by_id and by_id[i].status == Solution.Status.PUBLISHED
    ]


def solution_search(*, query: SearchQuery) -> tuple[SearchResult, list[Solution]]:
    """Run ``query`` on the engine; the result and its solutions in rank order."""
    backend = get_backend()
    result = backend.search(query)
    if result.total == 0:
        _ensure_index_not_lost(backend)
    return result, solutions_in_order([h.solution_id for h in result.hits])


def _ensure_index_not_lost(backend) -> None:
    """An empty index beside a catalogue with published solutions is a fault, not "no results".

    A deleted index directory reopens as a new, empty index; answering 200 with nothing would
    hide the fault from buyers and operators alike.
    """
    if backend.health().get("documents") == 0 and Solution.objects.published().exists():
        raise SearchUnavailable(
            "The search index is empty while the catalogue has published solutions; "
            "an operator must run `manage.py search_index rebuild` (or repair)."
        )


def solution_suggest(*, prefix: str, limit: int = 8) -> list[Suggestion]:
    """Solution names that complete ``prefix`` (either language)."""
    return get_backend().suggest(prefix, limit=limit)
