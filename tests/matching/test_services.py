"""Matching on the real database with the real tantivy index."""

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
    catalogue, operator_user, django_capture_on_commit_callbacks
):
    from catalogue.services.solutions import certification_verify
    from matching import selectors

    good = catalogue["good"]
    first = selectors.solution_profiles([good.id])[good.id]
    assert selectors.solution_profiles([good.id])[good.id] is first  # served from the cache
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
