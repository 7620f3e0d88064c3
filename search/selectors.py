"""Reads for search: ask the backend, then turn its ids into solutions in the engine's order."""

from __future__ import annotations

from django.db import connections, router
from django.db.models.query import get_related_populators

from catalogue.models import Solution
from search.backends import get_backend
from search.types import SearchQuery, SearchResult, SearchUnavailable, Suggestion, composed

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
    ids = list(dict.fromkeys(solution_ids))
    if not ids:
        return []
    alias = router.db_for_read(Solution)
    query = _hit_queries.get((alias, len(ids)))
    if query is None:
        query = _hit_queries.setdefault((alias, len(ids)), _HitQuery(alias, len(ids)))
    by_id = {s.pk: s for s in query.fetch(ids)}
    return [
        by_id[i]
        for i in solution_ids
        if i in by_id and by_id[i].status == Solution.Status.PUBLISHED
    ]


class _HitQuery:
    """``HIT_FIELDS`` of ``count`` solutions (and their vendors) by primary key, compiled once.

    Django compiles a queryset to SQL on every evaluation; for a page of hits that was half the
    cost of the fetch (0.5 ms of CPU in every search request). Only the ids change from one
    search to the next, so the SQL, the column converters and the row-to-model mapping are kept
    per database and number of ids, and used the way ``django.db.models.query.ModelIterable``
    uses them.
    """

    def __init__(self, alias: str, count: int):
        queryset = (
            Solution.objects.using(alias)
            .select_related("vendor")
            .only(*HIT_FIELDS)
            .filter(pk__in=range(1, count + 1))
            .order_by()
        )
        compiler = queryset.query.get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        if len(params) != count:  # the ids must be the query's only parameters
            raise AssertionError(f"hit query has {len(params)} parameters for {count} ids")
        self.alias, self.compiler = alias, compiler
        fields = compiler.klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in compiler.select[self.start : self.end]]
        self.related = get_related_populators(compiler.klass_info, compiler.select, alias)

    def fetch(self, ids: list[int]) -> list[Solution]:
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, ids)
            rows = cursor.fetchall()
        out = []
        for row in self.compiler.results_iter([rows]):
            solution = Solution.from_db(self.alias, self.init_list, row[self.start : self.end])
            for populator in self.related:
                populator.populate(row, solution)
            out.append(solution)
        return out


_hit_queries: dict[tuple[str, int], _HitQuery] = {}


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
    """Solution names that complete ``prefix`` (either language), of published solutions only:
    an index that has not yet caught up with an unpublished solution must not show its name."""
    found = get_backend().suggest(composed(prefix), limit=limit)
    ids = {s.solution_id for s in found}
    statuses = dict(Solution.objects.filter(pk__in=ids).values_list("pk", "status"))
    return [s for s in found if statuses.get(s.solution_id) == Solution.Status.PUBLISHED]
