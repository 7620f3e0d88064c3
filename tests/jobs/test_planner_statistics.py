"""The worker keeps SQLite's planner statistics, so a need's matches are read through the need."""

import pytest
from django.db import connection

from catalogue.models import Solution
from jobs.maintenance import refresh_planner_statistics
from matching import selectors
from matching.models import Match, Need
from tests.factories import OrganisationFactory, SolutionFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="PostgreSQL's autovacuum keeps its own statistics"
    ),
]


def first_table_of_the_count_plan(need) -> str:
    """The table SQLite reads first to count the need's current matches (as the API does)."""
    sql, params = selectors.match_list(need=need).order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        steps = [row[-1] for row in cursor.fetchall()]
    return steps[0]


def counted_rows(table: str) -> int | None:
    """How many rows the planner's statistics say ``table`` has (``None``: no statistics)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone():
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
        row = cursor.fetchone()
    return int(row[0].split()[0]) if row else None


def counted_matches() -> int | None:
    return counted_rows("matching_match")


def test_after_the_refresh_a_needs_matches_are_read_through_the_need():
    vendor = OrganisationFactory(kind="vendor")
    solutions = [
        SolutionFactory(vendor=vendor, status=Solution.Status.PUBLISHED) for _ in range(60)
    ]
    buyer = OrganisationFactory(kind="municipality")
    needs = [
        Need.objects.create(organisation=buyer, title_en=f"Need {n}", category="mobility")
        for n in range(20)
    ]
    for n, need in enumerate(needs):
        for rank, solution in enumerate(solutions[n : n + 3], start=1):
            Match.objects.create(need=need, solution=solution, rank=rank, score=0.5)
    assert counted_matches() != Match.objects.count()  # no statistics of these rows yet
    refresh_planner_statistics()
    assert counted_matches() == Match.objects.count()
    # without statistics SQLite started from every published solution's index entry
    assert "matching_match" in first_table_of_the_count_plan(needs[0])
    assert selectors.match_list(need=needs[0]).count() == 3


def test_a_bulk_import_job_leaves_statistics_of_what_it_wrote(operator_user):
    from jobs import services
    from jobs.runner import run_job
    from tests.jobs.test_jobs import exchange_document, upload

    refresh_planner_statistics()  # statistics of the tables as they were before the import
    before = Solution.objects.count()
    job = services.job_create(
        kind="exchange_import", actor=operator_user, upload=upload(exchange_document(25))
    )
    assert run_job(job.pk) == "done"  # this process, not a worker (which refreshes at start)
    assert Solution.objects.count() == before + 25
    assert counted_rows("catalogue_solution") == before + 25
