"""Scoring is pure: tested without a database."""

import dataclasses
import datetime as dt
import math

from hypothesis import given
from hypothesis import strategies as st

from matching import weights as W
from matching.scoring import (
    CertificationProfile,
    KpiProfile,
    PilotProfile,
    SolutionProfile,
    TargetProfile,
    budget_fit,
    can_be_on_topic,
    category_fit,
    combine,
    on_topic,
    rank,
    readiness_fit,
    score_match,
    text_fit,
)

TODAY = dt.date(2026, 1, 15)
RATES = {"KRW": 1.0, "USD": 1450.0, "EUR": 1700.0}

COUNTY_NEED = TargetProfile(
    kind="need",
    category="mobility",
    budget_max=200_000_000,
    budget_currency="KRW",
    required_certifications=("gs",),
    deadline=dt.date(2027, 3, 31),
    tier="county",
    population=33_000,
)
DA_NANG_LEAD = TargetProfile(
    kind="lead",
    category="mobility",
    budget_max=2_500_000,
    budget_currency="USD",
    deadline=dt.date(2027, 6, 30),
    country="VN",
)


def county_pilot(population=45_000, gain=0.4, verification="verified"):
    return PilotProfile(
        city="Yeongam County",
        country="KR",
        tier="county",
        population=population,
        end=dt.date(2025, 6, 30),
        verification=verification,
        kpis=(KpiProfile("average passenger wait time", gain),),
    )


def solution(**changes):
    base = SolutionProfile(
        id=1,
        category="mobility",
        price_min=60_000_000,
        price_max=180_000_000,
        currency="KRW",
        languages=("ko", "en"),
        reference_countries=("KR",),
        certifications=(CertificationProfile("gs", dt.date(2024, 5, 1), dt.date(2027, 4, 30)),),
        pilots=(county_pilot(), county_pilot(population=38_000)),
        published_on=dt.date(2025, 9, 1),
    )
    return dataclasses.replace(base, **changes)


def test_compliant_county_solution_is_explained_in_both_languages():
    result = score_match(COUNTY_NEED, solution(), text=0.9, rates=RATES, today=TODAY)
    assert result.compliant
    assert "piloted in two counties of under 50,000 people" in result.explanation_en.lower()
    assert "GS certificate valid until 2027-04" in result.explanation_en
    assert "price within budget" in result.explanation_en
    assert "군 2곳에서 실증" in result.explanation_ko
    assert set(result.breakdown()["factors"]) == {
        "text", "category", "certification", "budget", "city_size", "evidence", "readiness",
        "recency",
    }  # fmt: skip


def test_a_pilot_city_of_a_round_population_is_not_said_to_be_under_it():
    """A county of exactly 50,000 people is not "under 50,000"."""
    result = score_match(
        COUNTY_NEED, solution(pilots=(county_pilot(population=50_000),)), text=0.9,
        rates=RATES, today=TODAY,
    )  # fmt: skip
    assert "of under 50,000 people" not in result.explanation_en
    assert "piloted in one county of under 60,000 people" in result.explanation_en.lower()
    assert "인구 6만 명 이하 군 1곳에서 실증" in result.explanation_ko


def test_the_explained_kpi_gain_is_the_figure_the_solution_page_shows():
    """A lead time raised from 0.5 h to 6 h is 1,100 % better: not a capped "999 %"."""
    eleven_fold = solution(pilots=(county_pilot(gain=11.0),))
    result = score_match(COUNTY_NEED, eleven_fold, text=0.9, rates=RATES, today=TODAY)
    assert "improved by 1,100% in Yeongam County" in result.explanation_en
    assert "1,100% 개선" in result.explanation_ko
    from_near_zero = solution(pilots=(county_pilot(gain=1e300),))
    result = score_match(COUNTY_NEED, from_near_zero, text=0.9, rates=RATES, today=TODAY)
    assert "improved by more than 10,000% in" in result.explanation_en


def test_certificate_lapsing_before_the_deadline_is_a_marked_violation():
    lapsing = solution(
        certifications=(CertificationProfile("gs", dt.date(2024, 1, 1), dt.date(2027, 1, 31)),)
    )
    result = score_match(COUNTY_NEED, lapsing, text=1.0, rates=RATES, today=TODAY)
    assert not result.compliant
    assert result.violations == ("missing_certification:gs",)
    assert result.explanation_en.startswith("REQUIREMENT NOT MET: no GS certificate valid on")


def test_price_above_budget_after_conversion_is_a_violation():
    dear = solution(price_min=150_000, price_max=300_000, currency="USD")  # 217M KRW at least
    result = score_match(COUNTY_NEED, dear, text=1.0, rates=RATES, today=TODAY)
    assert result.violations == ("over_budget",)
    assert "priced above the budget" in result.explanation_en


def test_violators_rank_below_every_compliant_solution_whatever_their_score():
    perfect_but_expired = score_match(
        COUNTY_NEED,
        solution(id=2, certifications=()),
        text=1.0,
        rates=RATES,
        today=TODAY,
    )
    weak_but_compliant = score_match(
        COUNTY_NEED, solution(id=3, pilots=()), text=0.2, rates=RATES, today=TODAY
    )
    assert perfect_but_expired.score > weak_but_compliant.score
    assert [r.solution_id for r in rank([perfect_but_expired, weak_but_compliant])] == [3, 2]


def test_pilots_in_similar_cities_beat_big_city_pilots():
    big = PilotProfile("Seoul", "KR", "metropolitan", 9_400_000, dt.date(2025, 6, 30), "verified")
    small = score_match(COUNTY_NEED, solution(), text=0.8, rates=RATES, today=TODAY)
    large = score_match(
        COUNTY_NEED, solution(pilots=(big, big)), text=0.8, rates=RATES, today=TODAY
    )
    assert small.factors["city_size"].value > large.factors["city_size"].value
    assert small.score > large.score
    assert "piloted only in metropolitan cities" in large.explanation_en.lower()


def test_lead_prefers_references_in_the_country_and_english_material():
    local = solution(reference_countries=("KR", "VN"), languages=("ko", "en", "vi"))
    korean_only = solution(reference_countries=("KR",), languages=("ko",))
    a = score_match(DA_NANG_LEAD, local, text=0.8, rates=RATES, today=TODAY)
    b = score_match(DA_NANG_LEAD, korean_only, text=0.8, rates=RATES, today=TODAY)
    assert a.score > b.score
    assert "references in Vietnam" in a.explanation_en
    assert "no English material" in b.explanation_en


def test_unknown_currency_is_neutral_not_a_violation():
    odd = solution(currency="XYZ")
    result = score_match(COUNTY_NEED, odd, text=0.5, rates=RATES, today=TODAY)
    assert result.compliant
    assert result.factors["budget"].value == 0.5


def test_budget_fit_falls_as_the_price_range_leaves_the_budget():
    assert budget_fit(100, 50, 90) == (1.0, False)
    assert budget_fit(100, 50, 150)[0] == 0.75
    assert budget_fit(100, 120, 150) == (0.0, True)
    assert budget_fit(None, 1, 2) == (0.5, False)


unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
amount = st.one_of(st.none(), st.floats(min_value=0, max_value=1e13, allow_nan=False))
gain = st.one_of(st.none(), st.floats(min_value=-5, max_value=50, allow_nan=False))
pop = st.one_of(st.none(), st.integers(min_value=1, max_value=30_000_000))
pilots = st.lists(
    st.builds(
        PilotProfile,
        city=st.just("X"),
        country=st.sampled_from(["KR", "VN", "US", "PE"]),
        tier=st.sampled_from(["", "county", "city", "metropolitan"]),
        population=pop,
        end=st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1))),
        verification=st.sampled_from(["pending", "verified", "rejected"]),
        kpis=st.lists(st.builds(KpiProfile, st.just("k"), gain), max_size=3).map(tuple),
    ),
    max_size=4,
).map(tuple)
solutions = st.builds(
    SolutionProfile,
    id=st.integers(1, 1000),
    category=st.sampled_from(["mobility", "safety", "platform", "water"]),
    price_min=amount,
    price_max=amount,
    currency=st.sampled_from(["KRW", "USD", "EUR", "", "XYZ"]),
    languages=st.lists(st.sampled_from(["ko", "en", "vi"]), max_size=3).map(tuple),
    reference_countries=st.lists(st.sampled_from(["KR", "VN", "TH"]), max_size=3).map(tuple),
    pilots=pilots,
)
targets = st.sampled_from([COUNTY_NEED, DA_NANG_LEAD, TargetProfile(kind="need")])


@given(targets, solutions, unit)
def test_score_is_a_number_in_range_with_an_explanation(target, profile, text):
    result = score_match(target, profile, text=text, rates=RATES, today=TODAY)
    assert not math.isnan(result.score) and 0.0 <= result.score <= 1.0
    assert result.explanation_en.strip() and result.explanation_ko.strip()
    assert result.compliant == (not result.violations)


@given(targets, solutions, unit, unit)
def test_score_is_monotone_in_text_relevance(target, profile, a, b):
    low, high = sorted((a, b))
    s_low = score_match(target, profile, text=low, rates=RATES, today=TODAY).score
    s_high = score_match(target, profile, text=high, rates=RATES, today=TODAY).score
    assert s_high >= s_low - 1e-12


@given(solutions, st.floats(min_value=0, max_value=1e12), st.floats(min_value=0, max_value=1e12))
def test_score_is_monotone_in_budget(profile, a, b):
    low, high = sorted((a, b))

    def at(budget):
        need = dataclasses.replace(COUNTY_NEED, budget_max=budget)
        return score_match(need, profile, text=0.5, rates=RATES, today=TODAY)

    assert at(high).score >= at(low).score - 1e-12
    assert len(at(high).violations) <= len(at(low).violations)


@given(solutions, st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_score_is_monotone_in_pilot_evidence(profile, a, b):
    low, high = sorted((a, b))

    def at(g):
        pilot = county_pilot(gain=g)
        return score_match(
            COUNTY_NEED, dataclasses.replace(profile, pilots=(pilot,)), text=0.5, rates=RATES,
            today=TODAY,
        )  # fmt: skip

    assert at(high).factors["evidence"].value >= at(low).factors["evidence"].value
    assert at(high).score >= at(low).score - 1e-12


@given(solutions)
def test_adding_a_verified_similar_pilot_never_lowers_the_score(profile):
    more = dataclasses.replace(profile, pilots=(*profile.pilots, county_pilot()))
    before = score_match(COUNTY_NEED, profile, text=0.5, rates=RATES, today=TODAY).score
    after = score_match(COUNTY_NEED, more, text=0.5, rates=RATES, today=TODAY).score
    assert after >= before - 1e-12


# -- relevance floor, text saturation, category and readiness ---------------------------------


def test_relevance_floor_needs_twice_the_text_evidence_outside_the_buyers_category():
    floor = W.RELEVANCE_FLOOR
    assert on_topic(floor, category_fit("mobility", "mobility"))
    assert not on_topic(floor * 0.9, category_fit("mobility", "mobility"))
    assert not on_topic(floor * 1.9, category_fit("mobility", "health"))  # unrelated category
    assert on_topic(floor * 2.0, category_fit("mobility", "health"))
    related = category_fit("mobility", "safety")
    assert 0 < related < 1
    assert on_topic(floor / (0.5 + 0.5 * related), related)
    assert not on_topic(floor / (0.5 + 0.5 * related) * 0.95, related)


def test_off_topic_candidate_is_scored_but_marked_not_a_match():
    off = score_match(COUNTY_NEED, solution(category="welfare"), text=0.2, rates=RATES, today=TODAY)
    on = score_match(COUNTY_NEED, solution(), text=0.2, rates=RATES, today=TODAY)
    assert on.on_topic and not off.on_topic
    assert off.relevance == on.relevance == 0.2


def test_below_the_floor_nothing_can_be_on_topic():
    assert not can_be_on_topic(W.RELEVANCE_FLOOR * 0.99)
    assert can_be_on_topic(W.RELEVANCE_FLOOR)
    assert not can_be_on_topic(float("nan"))


def test_text_counts_fully_from_the_saturation_point_so_fit_decides_among_on_topic():
    assert text_fit(W.TEXT_SATURATION) == text_fit(1.0) == 1.0
    assert text_fit(W.TEXT_SATURATION / 2) == 0.5
    # Two on-topic products: the one piloted in a county like the buyer's wins even with a
    # lower (but saturated) text score than a big-city one.
    county = solution(id=1)
    seoul = PilotProfile("Seoul", "KR", "metropolitan", 9_400_000, dt.date(2025, 6, 30), "verified")
    city = solution(id=2, pilots=(seoul,))
    ranked = rank(
        [
            score_match(COUNTY_NEED, county, text=W.TEXT_SATURATION, rates=RATES, today=TODAY),
            score_match(COUNTY_NEED, city, text=1.0, rates=RATES, today=TODAY),
        ]
    )
    assert [s.solution_id for s in ranked] == [1, 2]


def test_neighbouring_category_counts_less_than_a_city_platform_or_the_same_category():
    same = category_fit("mobility", "mobility")
    assert same == 1.0
    assert category_fit("mobility", "safety") == W.RELATED_CATEGORY_FIT < same
    assert category_fit("mobility", "platform") == W.PLATFORM_CATEGORY_FIT
    assert category_fit("mobility", "health") == 0.0


def test_domestic_buyer_values_korean_references_above_korean_brochures():
    piloted_here = solution(languages=("en",), reference_countries=("KR",))
    brochure_only = solution(
        languages=("ko",),
        reference_countries=("PE",),  # another region: no presence near the buyer
        pilots=(county_pilot()._replace(country="PE"),),
    )
    assert readiness_fit(COUNTY_NEED, piloted_here) > readiness_fit(COUNTY_NEED, brochure_only)


def test_factors_and_breakdown_come_from_the_stored_values():
    result = score_match(COUNTY_NEED, solution(), text=0.5, rates=RATES, today=TODAY)
    assert list(result.factors) == list(W.WEIGHTS)
    assert [f.value for f in result.factors.values()] == list(result.values)
    assert math.isclose(combine(result.factors), result.score)
    breakdown = result.breakdown()
    assert set(breakdown["factors"]) == set(W.WEIGHTS)
    assert breakdown["factors"]["text"]["weight"] == W.WEIGHTS["text"]
