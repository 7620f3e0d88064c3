"""Matching on the real database with the real tantivy index."""

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalogue.models import Solution
from matching import services
from matching.models import Lead, Match, Need
from tests.factories import (
    CertificationFactory,
    KpiFactory,
    OrganisationFactory,
    PilotFactory,
    SolutionFactory,
    UserFactory,
    parking_need,
)

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
    return parking_need(municipality_user.organisation)


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


def test_a_buyer_the_operator_has_not_approved_keeps_its_needs_as_drafts(catalogue):
    for status in ("pending", "rejected"):
        org = OrganisationFactory(kind="municipality", tier="city", population=9000, status=status)
        user = UserFactory(organisation=org)
        need = services.need_create(user=user, data={"title_en": "Parking", "category": "mobility"})
        with pytest.raises(PermissionDenied, match="approv|승인"):
            services.need_publish(user=user, need=need)
        need.refresh_from_db()
        assert need.status == Need.Status.DRAFT and not need.matches.exists()


def test_an_agency_the_operator_has_not_approved_cannot_enter_leads(db):
    user = UserFactory(organisation=OrganisationFactory(kind="agency", status="pending"))
    with pytest.raises(PermissionDenied, match="approv|승인"):
        services.lead_create(user=user, data={"title_en": "Parking", "country": "VN"})
    assert not Lead.objects.exists()


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


# -- which words retrieval searches for ------------------------------------------------------


class _Counts:
    """A vocabulary with given counts (the pure functions' input); records what was asked."""

    def __init__(self, counts: dict[str, int], common: float = float("inf")):
        self.counts, self.common, self.asked = counts, common, []

    def frequencies(self, words):
        self.asked.append(list(words))
        return {w: self.counts.get(w, 0) for w in words}


def test_informative_words_are_the_rarest_in_text_order_at_most_keep():
    words = "storm drain sensor city data flood city alert".split()
    counts = {"storm": 40, "drain": 5, "sensor": 300, "city": 900, "data": 800, "flood": 7}
    counts["alert"] = 60
    assert services.informative_words(words, counts, 3) == ["storm", "drain", "flood"]
    assert services.informative_words(words, counts, 1) == ["drain"]
    # equally rare: the word said more often wins, then the earlier one
    assert services.informative_words("a1 b2 b2 c3".split(), {"a1": 3, "b2": 3, "c3": 3}, 1) == [
        "b2"
    ]
    assert services.informative_words("a1 c3".split(), {"a1": 3, "c3": 3}, 1) == ["a1"]


def test_informative_words_leave_out_unknown_and_common_words_but_never_everything():
    counts = {"drain": 5, "city": 900, "data": 800}
    words = "drain city data unheard".split()
    assert services.informative_words(words, counts, 10) == ["drain", "city", "data"]
    assert services.informative_words(words, counts, 10, common=500) == ["drain"]
    assert services.informative_words("city data".split(), counts, 10, common=500) == [
        "city",
        "data",
    ]  # only common words: the query keeps the rarest of them rather than search for nothing
    assert services.informative_words(["unheard"], counts, 10) == []


def test_focused_text_keeps_the_title_whole_and_the_description_most_informative_words():
    counts = {w: 100 + i for i, w in enumerate("one two three four five six seven".split())}
    counts["rare"] = 2
    vocabulary = _Counts(counts)
    text = "Common title words\none two three four rare five six seven"
    assert services.focused_text(text, vocabulary, keep=3) == "Common title words\none two rare"
    assert vocabulary.asked == [["one", "two", "three", "four", "rare", "five", "six", "seven"]]


def test_a_short_description_is_searched_as_written_without_asking_for_counts():
    vocabulary = _Counts({})
    text = "Smart parking\nGuide drivers to free spaces."
    assert services.focused_text(text, vocabulary, keep=5) == text
    assert vocabulary.asked == []
    assert services.focused_text("\nGuide drivers", vocabulary, keep=5) == "Guide drivers"


def test_common_words_leave_descriptions_and_feedback_of_a_large_catalogue():
    vocabulary = _Counts({"parking": 900, "kerb": 3, "sensor": 700}, common=500)
    assert services.focused_text("Parking\nparking kerb sensor", vocabulary, keep=5) == (
        "Parking\nkerb"
    )
    assert services.most_informative("parking kerb", vocabulary, keep=8) == "kerb"


def test_word_counts_come_from_the_real_index_and_size_the_common_cut(
    catalogue, reindex, monkeypatch
):
    from matching import weights as W
    from search.backends import get_backend

    backend = get_backend()
    vocabulary = services.Vocabulary(backend, services._FrequencyTable())
    assert vocabulary.common == float("inf")  # 4 solutions: below the minimum, nothing common
    counts = vocabulary.frequencies(["parking", "premium", "underpasses", "zeppelin"])
    # every summary mentions parking (the factory's), one name says premium, one underpasses
    assert counts == {"parking": 4, "premium": 1, "underpasses": 1, "zeppelin": 0}
    monkeypatch.setattr(W, "COMMON_WORD_MIN_DOCUMENTS", 4)
    monkeypatch.setattr(W, "COMMON_WORD_SHARE", 0.5)
    assert services.Vocabulary(backend, services._FrequencyTable()).common == 2.0


def test_a_long_description_still_retrieves_by_its_informative_words(catalogue, need, monkeypatch):
    from matching import selectors
    from matching import weights as W

    need.title_en, need.title_ko = "", ""
    need.description_en = (
        "We want the town centre to be calmer for everyone: parking guidance for drivers, "
        "with signs that show free spaces, so that fewer cars circle looking for a place."
    )
    monkeypatch.setattr(W, "QUERY_DESCRIPTION_WORDS", 3)
    texts = selectors.query_texts(need)
    backend_text = services.focused_text(texts[0], services.Vocabulary(_backend()), keep=3)
    assert len(backend_text.split()) == 3
    found = services.retrieve(texts, category=need.category)
    assert {catalogue["good"].id, catalogue["lapsing"].id} <= set(found)


def _backend():
    from search.backends import get_backend

    return get_backend()


def test_feedback_finds_a_product_described_only_in_the_other_language(
    catalogue, reindex, monkeypatch
):
    from matching import weights as W

    # Words no synonym links across languages: only the English match's Korean name leads on.
    english = published(name_en="Zorvex kerb beacon", name_ko="조르벡스 연석 비콘", tags=[])
    korean_only = published(
        name_en="",
        name_ko="조르벡스 연석 비콘 설치형",
        summary_en="",
        summary_ko="연석에 설치하는 비콘입니다.",
        tags=[],
        languages=["ko"],
    )
    reindex()
    found = services.retrieve(["Zorvex kerb beacon\n"], category="mobility")
    assert english.id in found
    assert found.get(korean_only.id, 0) > 0  # no English word of its own: found by feedback
    monkeypatch.setattr(W, "FEEDBACK_DOCS", 0)
    assert korean_only.id not in services.retrieve(["Zorvex kerb beacon\n"], category="mobility")


def test_query_words_are_read_as_the_engine_reads_them():
    words = services.query_words("Sensors for the flood sensor: 침수를 막는 침수 센서")
    assert words == ["sensors", "flood", "sensors", "침수", "막는", "침수", "센서"]
