"""Reads for search: ask the backend, then turn its ids into solutions in the engine's order."""

from __future__ import annotations

from typing import Any

from django.db import connections, router
from django.db.models.base import ModelState

from catalogue.models import Organisation, Solution
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

    Django compiles a queryset to SQL on every evaluation, and builds each row's models through
    ``Model.__init__`` (every field, in turn) and its related-object populators; for a page of
    hits that was most of the fetch's cost, in every search request. Only the ids change from
    one search to the next, so the SQL and the column converters are kept per database and
    number of ids, and each row fills its two instances' attributes directly, as ``from_db``
    leaves them (the other fields deferred). Neither model has ``pre_init``/``post_init``
    receivers, the one thing ``__init__`` would add (checked in the tests).
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
        self.alias = alias
        columns = [col for col, _, _ in compiler.select]
        self.converters = list(compiler.get_converters(columns).items())
        # each selected column: the model it belongs to and the attribute it fills
        self.solution_columns: list[tuple[int, str]] = []
        self.vendor_columns: list[tuple[int, str]] = []
        for position, col in enumerate(columns):
            model, attname = col.target.model, col.target.attname
            if model not in (Solution, Organisation):
                raise AssertionError(f"hit query selects {model.__name__}.{attname}")
            target = self.solution_columns if model is Solution else self.vendor_columns
            target.append((position, attname))

    def fetch(self, ids: list[int]) -> list[Solution]:
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, ids)
            rows = cursor.fetchall()
        out = []
        for row in rows:
            if self.converters:
                row = list(row)
                for position, (functions, expression) in self.converters:
                    value = row[position]
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[position] = value
            solution = _loaded(Solution, self.alias, self.solution_columns, row)
            solution._state.fields_cache["vendor"] = _loaded(
                Organisation, self.alias, self.vendor_columns, row
            )
            out.append(solution)
        return out


def _loaded(model, alias: str, columns: list[tuple[int, str]], row) -> Any:
    """An instance of ``model`` as ``Model.from_db`` makes it, from its ``columns`` of ``row``."""
    instance = model.__new__(model)
    instance.__dict__.update({attname: row[position] for position, attname in columns})
    state = ModelState()
    state.adding, state.db = False, alias
    instance._state = state
    return instance


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
