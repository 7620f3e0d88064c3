"""Matching on the real database with the real tantivy index."""

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalogue.models import Solution
from matching import services
from matching.models import Lead, Match, Need
from tests.factories import CertificationFactory, KpiFactory, PilotFactory, SolutionFactory

pytestmark = pytest.mark.django_db


def published(**fields):
    solution = SolutionFactory(
        status=Solution.Status.PUBLISHED, published_at=timezone.now(), **fields
    )
    return solution


@pytest.fixture
def catalogue(reindex):
    """Three parking products: compliant and small-town, certificate lapsing, too dear."""
    good = published(name_en="Smart parking guidance for small towns", name_ko="소도시 주차 안내")
    CertificationFactory(solution=good, valid_until=dt.date(2028, 12, 31))
    KpiFactory(pilot=PilotFactory(solution=good, verification="verified"))
    lapsing = published(name_en="Smart parking guidance with signs", name_ko="주차 안내 전광판")
    CertificationFactory(solution=lapsing, valid_until=dt.date(2026, 1, 31))
    PilotFactory(solution=lapsing)
    dear = published(
        name_en="Smart parking guidance premium", price_min=900_000_000, price_max=990_000_000
    )
    CertificationFactory(solution=dear, valid_until=dt.date(2029, 1, 1))
    published(
        name_en="Flood barrier for underpasses", name_ko="지하차도 침수 차단", category="safety"
    )
    SolutionFactory(name_en="Smart parking guidance draft")  # not published: never matched
    reindex()
    return {"good": good, "lapsing": lapsing, "dear": dear}


@pytest.fixture
def need(municipality_user):
    return Need.objects.create(
        organisation=municipality_user.organisation,
        title_en="Smart parking guidance",
        title_ko="주차 안내 시스템",
        description_en="Guide drivers to free parking spaces in the town centre.",
        category="mobility",
        budget_max=300_000_000,
        budget_currency="KRW",
        required_certifications=["gs"],
        deadline=dt.date(2026, 12, 31),
        status=Need.Status.PUBLISHED,
    )


def test_need_match_ranks_the_compliant_solution_first_and_marks_violators(catalogue, need):
    matches = services.need_match(need=need)
    ids = [m.solution_id for m in matches]
    assert ids[0] == catalogue["good"].id
    assert set(ids[1:3]) == {catalogue["lapsing"].id, catalogue["dear"].id}
    by_id = {m.solution_id: m for m in matches}
    assert by_id[catalogue["good"].id].compliant
    assert by_id[catalogue["lapsing"].id].violations == ["missing_certification:gs"]
    assert by_id[catalogue["dear"].id].violations == ["over_budget"]
    assert "REQUIREMENT NOT MET" in by_id[catalogue["dear"].id].explanation_en
    assert by_id[catalogue["good"].id].breakdown["factors"]["text"]["weight"] > 0
    assert by_id[catalogue["good"].id].explanation_ko


def test_rerunning_a_match_keeps_the_decisions_people_made(catalogue, need, municipality_user):
    first = services.need_match(need=need)
    services.match_set_status(match=first[0], status="shortlisted", user=municipality_user)
    declined = first[1]
    services.match_set_status(
        match=declined, status="declined", user=municipality_user, reason="No local support."
    )
    again = {m.solution_id: m for m in services.need_match(need=need)}
    assert again[first[0].solution_id].status == "shortlisted"
    assert again[declined.solution_id].status == "declined"
    assert again[declined.solution_id].decline_reason == "No local support."
    assert Match.objects.filter(need=need).count() == len(again)


def test_declining_needs_a_reason_and_only_the_buyer_decides(
    catalogue, need, municipality_user, vendor_user
):
    match = services.need_match(need=need)[0]
    with pytest.raises(ValidationError):
        services.match_set_status(match=match, status="declined", user=municipality_user)
    with pytest.raises(PermissionDenied):
        services.match_set_status(match=match, status="shortlisted", user=vendor_user)
    with pytest.raises(ValidationError):
        services.match_set_status(match=match, status="registered", user=municipality_user)


def test_lead_match_and_reverse_opportunities(catalogue, need):
    lead = Lead.objects.create(
        country="VN",
        city="Da Nang",
        title_en="Smart parking guidance in Da Nang",
        category="mobility",
        budget_max=1_000_000,
        budget_currency="USD",
        deadline=timezone.localdate() + dt.timedelta(days=90),
    )
    matches = services.lead_match(lead=lead)
    assert catalogue["good"].id in [m.solution_id for m in matches]
    opportunities = services.solution_opportunities(solution=catalogue["good"])
    assert {(m.need_id, m.lead_id) for m in opportunities} >= {(need.id, None), (None, lead.id)}


def test_need_publish_matches_and_drafts_stay_private(catalogue, municipality_user):
    need = services.need_create(
        user=municipality_user,
        data={"title_en": "Smart parking guidance", "category": "mobility"},
    )
    assert need.status == Need.Status.DRAFT and need.buyer_tier == "county"
    assert not need.matches.exists()
    services.need_publish(user=municipality_user, need=need)
    assert need.matches.filter(solution=catalogue["good"]).exists()


def test_explanations_written_later_equal_those_written_while_scoring(catalogue, need):
    from matching import selectors

    profile, texts = selectors.need_profile(need), selectors.query_texts(need)
    full = services.score_candidates(profile, texts)
    lazy = services.score_candidates(profile, texts, explain_top=1)
    assert [s.solution_id for s in full] == [s.solution_id for s in lazy]
    assert lazy[0].explanation_en == full[0].explanation_en
    assert lazy[0].explanation_ko == full[0].explanation_ko
    assert all(s.explanation_en for s in full) and not lazy[1].explanation_en
    stored = services.need_match(need=need)
    assert all(m.explanation_en and m.explanation_ko for m in stored)


def test_cached_profiles_follow_edits_and_evidence_changes(
    catalogue, operator_user, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from catalogue.services.solutions import certification_verify
    from matching import selectors

    good = catalogue["good"]
    with django_assert_num_queries(4):  # not cached yet: the solution and its evidence
        first = selectors.solution_profiles([good.id])[good.id]
    with django_assert_num_queries(1):  # cached: only its version stamp is checked
        assert selectors.solution_profiles([good.id])[good.id] == first
    cert = good.certifications.get()
    # A verification does not bump the version: the service's after-commit notice forgets it.
    with django_capture_on_commit_callbacks(execute=True):
        certification_verify(
            user=operator_user, certification=cert, decision="rejected", note="Expired scan."
        )
    assert selectors.solution_profiles([good.id])[good.id].certifications[0].verification == (
        "rejected"
    )
    Solution.objects.filter(pk=good.pk).update(price_max=77_000_000, version=good.version + 1)
    assert selectors.solution_profiles([good.id])[good.id].price_max == 77_000_000


def test_off_topic_solution_found_by_one_shared_word_is_never_a_match(catalogue, need, reindex):
    from matching import selectors
    from matching import weights as W

    kiosk = published(
        name_en="Smart hospital appointment kiosk",
        name_ko="병원 예약 키오스크",
        category="health",
        summary_en="Patients book a visit and check in for free.",
        summary_ko="환자가 병원에서 예약하고 접수합니다.",
        tags=[],
    )
    reindex()
    profile, texts = selectors.need_profile(need), selectors.query_texts(need)
    found = services.retrieve(texts, category=need.category)
    assert 0 < found[kiosk.id] < W.RELEVANCE_FLOOR  # the engine finds it ("free")
    ranked = services.score_candidates(profile, texts)
    assert kiosk.id not in {s.solution_id for s in ranked}  # never even scored
    assert catalogue["good"].id in {s.solution_id for s in services.shortlist(ranked)}
    assert kiosk.id not in [m.solution_id for m in services.need_match(need=need)]
    assert not Match.objects.filter(need=need, solution=kiosk).exists()


def test_shortlist_leaves_out_candidates_scored_but_off_topic(catalogue, need):
    from matching import selectors

    ranked = services.score_candidates(selectors.need_profile(need), selectors.query_texts(need))
    off = dataclasses.replace(ranked[0], solution_id=-1, on_topic=False, score=1.0)
    listed = services.shortlist([off, *ranked])
    assert -1 not in {s.solution_id for s in listed}
    assert [s.solution_id for s in listed] == [s.solution_id for s in services.shortlist(ranked)]


def test_parallel_and_serial_searches_retrieve_the_same(catalogue, need, monkeypatch):
    from matching import selectors

    texts = selectors.query_texts(need)
    parallel = services.retrieve(texts, category="mobility")
    monkeypatch.setattr(services, "SEARCH_THREADS", 1)
    assert services.retrieve(texts, category="mobility") == parallel
    assert catalogue["good"].id in parallel


def test_a_scoring_run_leaves_the_cycle_collector_as_it_found_it(catalogue, need):
    import gc

    from matching import selectors

    profile, texts = selectors.need_profile(need), selectors.query_texts(need)
    assert gc.isenabled()
    services.score_candidates(profile, texts)
    assert gc.isenabled()
    gc.disable()
    try:
        services.score_candidates(profile, texts)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cached_profiles_are_plain_rows_the_cycle_collector_does_not_track(catalogue):
    import gc

    from matching import selectors

    ids = [s.id for s in catalogue.values()]
    assert set(selectors.solution_profiles(ids)) == set(ids)
    for _ in range(6):  # each collection stops tracking one more level of nested tuples
        gc.collect()
    assert not any(gc.is_tracked(selectors._PROFILE_CACHE[sid]) for sid in ids)


def test_an_unpublished_solution_leaves_the_cached_profiles_at_once(catalogue):
    from matching import selectors

    good = catalogue["good"]
    assert good.id in selectors.solution_profiles([good.id])
    Solution.objects.filter(pk=good.pk).update(status=Solution.Status.ARCHIVED)
    assert selectors.solution_profiles([good.id]) == {}


def test_profile_cache_stays_within_its_bound(catalogue, monkeypatch):
    from matching import selectors

    monkeypatch.setattr(selectors, "PROFILE_CACHE_MAX", 2)
    ids = [s.id for s in catalogue.values()]
    for sid in ids:
        selectors.solution_profiles([sid])
        assert len(selectors._PROFILE_CACHE) <= 2
    assert set(selectors.solution_profiles(ids)) == set(ids)  # evicted ones load again
