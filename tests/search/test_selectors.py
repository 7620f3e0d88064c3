"""Hits become solutions in the engine's order: published only, with their vendors, one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import Solution
from search.api.serializers import SearchHitSerializer
from search.selectors import HIT_FIELDS, solutions_in_order
from search.types import SearchHit
from tests.factories import OrganisationFactory, SolutionFactory

pytestmark = pytest.mark.django_db


def _orm(ids):
    """The plain ORM version of the same read, to compare with."""
    by_id = Solution.objects.select_related("vendor").only(*HIT_FIELDS).in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id and by_id[i].status == Solution.Status.PUBLISHED]


def _shown(solutions):
    return [SearchHitSerializer((s, SearchHit(s.pk, 1.0))).data for s in solutions]


def test_published_solutions_in_the_given_order_with_vendors_in_one_query():
    kr = OrganisationFactory(kind="vendor", country="KR", name_ko="한국 회사", name_en="Korea Co")
    published = [
        SolutionFactory(status=Solution.Status.PUBLISHED, vendor=kr, tags=["parking", "iot"])
        for _ in range(4)
    ]
    draft = SolutionFactory(status=Solution.Status.DRAFT, vendor=kr)
    ids = [published[2].pk, draft.pk, 10**9, published[0].pk, published[3].pk]
    with CaptureQueriesContext(connection) as ctx:
        found = solutions_in_order(ids)
        shown = _shown(found)  # vendor names and tags need no further query
    assert len(ctx.captured_queries) == 1
    assert [s.pk for s in found] == [published[2].pk, published[0].pk, published[3].pk]
    assert shown == _shown(_orm(ids))
    assert shown[0]["vendor"] == {"id": kr.pk, "name": "한국 회사"}
    assert shown[0]["tags"] == ["parking", "iot"]


def test_every_page_size_reads_the_current_rows():
    solutions = [SolutionFactory(status=Solution.Status.PUBLISHED) for _ in range(6)]
    ids = [s.pk for s in reversed(solutions)]
    for n in (1, 2, 6, 2):  # a length seen before reuses its compiled query
        assert _shown(solutions_in_order(ids[:n])) == _shown(_orm(ids[:n]))
    Solution.objects.filter(pk=ids[0]).update(name_en="Renamed", status=Solution.Status.DRAFT)
    Solution.objects.filter(pk=ids[1]).update(name_en="Renamed too")
    found = solutions_in_order(ids[:2])
    assert [s.name_en for s in found] == ["Renamed too"]
    assert solutions_in_order([]) == []
    assert [s.pk for s in solutions_in_order([ids[1], ids[1]])] == [ids[1], ids[1]]


def test_hits_are_the_instances_the_orm_would_load():
    """The fast path fills attributes itself: the same values, state and deferred fields."""
    solution = SolutionFactory(status=Solution.Status.PUBLISHED, tags=["parking"])
    [fast] = solutions_in_order([solution.pk])
    [slow] = _orm([solution.pk])
    assert fast.__dict__.keys() - {"_state"} == slow.__dict__.keys() - {"_state"}
    for attname in slow.__dict__.keys() - {"_state"}:
        assert getattr(fast, attname) == getattr(slow, attname), attname
    assert (fast._state.adding, fast._state.db) == (False, "default")
    assert fast.get_deferred_fields() == slow.get_deferred_fields() != set()
    assert fast.description_en == solution.description_en  # a deferred field loads on access
    assert fast.vendor.__dict__.keys() == slow.vendor.__dict__.keys()
    assert fast.vendor.get_deferred_fields() == slow.vendor.get_deferred_fields()


def test_the_hit_models_have_no_init_receivers_the_fast_path_would_skip():
    from django.db.models import signals

    from catalogue.models import Organisation

    for model in (Solution, Organisation):
        assert not signals.pre_init.has_listeners(model)
        assert not signals.post_init.has_listeners(model)
