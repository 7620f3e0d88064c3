"""hypothesis property tests on the pure parts: scoring, currency, Korean analysis, exchange."""

import dataclasses
import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.exchange import (
    FORMAT,
    SECTIONS,
    ExchangeError,
    ExchangeInvalid,
    parse_document,
    validate_document,
)
from matching.scoring import (
    CertificationProfile,
    Factor,
    KpiProfile,
    PilotProfile,
    SolutionProfile,
    TargetProfile,
    combine,
    score_match,
    to_krw,
)
from matching.weights import WEIGHTS
from search.analysis import (
    HANGUL_RUN,
    correct_korean_typos,
    correct_typos,
    phrase_terms,
    plan_query,
    strip_korean_ending,
    synonym_expansions,
)

TODAY = dt.date(2026, 1, 15)
RATES = {"KRW": 1.0, "USD": 1458.0, "EUR": 1695.0, "VND": 0.0554}

# --- scoring ----------------------------------------------------------------------------------

any_float = st.floats(allow_nan=True, allow_infinity=True)
# kpi_improvement() of finite stored values can overflow to ±inf but is never NaN
kpi_gain = st.floats(allow_nan=False, allow_infinity=True)
amount = st.one_of(st.none(), st.floats(min_value=0, max_value=1e15), any_float)
population = st.one_of(st.none(), st.integers(min_value=0, max_value=10**10))
day = st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)))
verification = st.sampled_from(["pending", "verified", "rejected", "", "weird"])
pilots = st.lists(
    st.builds(
        PilotProfile,
        city=st.text(max_size=20),
        country=st.sampled_from(["KR", "VN", "US", "PE", "", "ZZ"]),
        tier=st.sampled_from(["", "county", "city", "metropolitan", "village"]),
        population=population,
        end=day,
        verification=verification,
        kpis=st.lists(
            st.builds(KpiProfile, st.text(max_size=10), st.one_of(st.none(), kpi_gain)),
            max_size=3,
        ).map(tuple),
    ),
    max_size=4,
).map(tuple)
certs = st.lists(
    st.builds(
        CertificationProfile,
        type=st.sampled_from(["gs", "kc", "ce", "ul", "other", "unknown-type"]),
        valid_from=day,
        valid_until=day,
        verification=verification,
    ),
    max_size=4,
).map(tuple)
solutions = st.builds(
    SolutionProfile,
    id=st.integers(1, 10**6),
    category=st.sampled_from(["mobility", "safety", "platform", "water", "", "nonsense"]),
    price_min=amount,
    price_max=amount,
    currency=st.sampled_from(["KRW", "USD", "EUR", "VND", "", "XYZ", "usd"]),
    languages=st.lists(st.sampled_from(["ko", "en", "vi", "xx"]), max_size=3).map(tuple),
    reference_countries=st.lists(st.sampled_from(["KR", "VN", "TH", "ZZ"]), max_size=3).map(tuple),
    certifications=certs,
    pilots=pilots,
    published_on=day,
)
targets = st.builds(
    TargetProfile,
    kind=st.sampled_from(["need", "lead"]),
    category=st.sampled_from(["mobility", "safety", "", "platform"]),
    budget_max=amount,
    budget_currency=st.sampled_from(["KRW", "USD", "", "XYZ"]),
    required_certifications=st.lists(st.sampled_from(["gs", "kc", "ce", "zz"]), max_size=3).map(
        tuple
    ),
    deadline=day,
    country=st.sampled_from(["KR", "VN", "PE", "ZZ", ""]),
    tier=st.sampled_from(["", "county", "city", "metropolitan", "village"]),
    population=population,
)
unit = st.floats(min_value=0.0, max_value=1.0)


@settings(max_examples=300, deadline=None)
@given(targets, solutions, st.one_of(unit, any_float))
def test_score_is_never_nan_and_always_explained_whatever_the_profiles(target, profile, text):
    result = score_match(target, profile, text=text, rates=RATES, today=TODAY)
    assert math.isfinite(result.score) and 0.0 <= result.score <= 1.0
    for factor in result.factors.values():
        assert math.isfinite(factor.value) and 0.0 <= factor.value <= 1.0
    assert result.explanation_en.strip() and result.explanation_ko.strip()
    assert result.compliant == (not result.violations)
    breakdown = result.breakdown()
    assert all(math.isfinite(f["contribution"]) for f in breakdown["factors"].values())


factor_values = st.fixed_dictionaries({name: unit for name in WEIGHTS})


@settings(max_examples=300)
@given(factor_values, st.sampled_from(sorted(WEIGHTS)), unit)
def test_combined_score_is_monotone_in_each_factor(values, name, other):
    low, high = sorted((values[name], other))

    def at(value):
        return combine(
            {n: Factor(value if n == name else v, WEIGHTS[n]) for n, v in values.items()}
        )

    assert at(high) >= at(low) - 1e-12
    assert 0.0 <= at(low) <= 1.0


@settings(max_examples=200, deadline=None)
@given(targets, solutions, unit)
def test_adding_a_valid_required_certification_never_lowers_the_score(target, profile, text):
    if not target.required_certifications:
        target = dataclasses.replace(target, required_certifications=("gs",))
    wanted = target.required_certifications[0]
    more = dataclasses.replace(
        profile,
        certifications=(*profile.certifications, CertificationProfile(wanted, None, None)),
    )
    before = score_match(target, profile, text=text, rates=RATES, today=TODAY)
    after = score_match(target, more, text=text, rates=RATES, today=TODAY)
    assert after.score >= before.score - 1e-12
    assert len(after.violations) <= len(before.violations)


@settings(max_examples=200, deadline=None)
@given(targets, solutions, unit, st.floats(min_value=0, max_value=1e12))
def test_a_cheaper_price_never_lowers_the_score(target, profile, text, cut):
    if profile.price_min is None or not (0 <= profile.price_min < math.inf):
        return
    cheaper = dataclasses.replace(
        profile,
        price_min=max(0.0, profile.price_min - cut),
        price_max=None if profile.price_max is None else max(0.0, profile.price_max - cut),
    )
    if cheaper.price_max is not None and profile.price_max is not None:
        if not (math.isfinite(profile.price_max) and cheaper.price_max <= profile.price_max):
            return
    before = score_match(target, profile, text=text, rates=RATES, today=TODAY).score
    after = score_match(target, cheaper, text=text, rates=RATES, today=TODAY).score
    assert after >= before - 1e-9


# --- currency conversion ----------------------------------------------------------------------

money = st.floats(min_value=0, max_value=1e13)


@given(money, st.sampled_from(sorted(RATES)))
def test_conversion_uses_the_rate_and_ignores_the_currency_case(value, currency):
    assert to_krw(value, currency, RATES) == pytest.approx(value * RATES[currency])
    assert to_krw(value, currency.lower(), RATES) == to_krw(value, currency, RATES)


@given(money, money, st.sampled_from(sorted(RATES)))
def test_conversion_keeps_the_order_of_amounts(a, b, currency):
    low, high = sorted((a, b))
    assert to_krw(low, currency, RATES) <= to_krw(high, currency, RATES)


@given(st.one_of(st.none(), money), st.text(max_size=5).filter(lambda c: c.upper() not in RATES))
def test_unknown_currency_or_amount_converts_to_none(value, currency):
    if currency == "":
        return  # blank means KRW
    assert to_krw(value, currency, RATES) is None
    assert to_krw(None, "USD", RATES) is None


# --- Korean analysis --------------------------------------------------------------------------

jamo = st.characters(min_codepoint=0x1100, max_codepoint=0x11FF)
compat_jamo = st.characters(min_codepoint=0x3130, max_codepoint=0x318F)
hangul = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
emoji = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
mixed = st.text(
    alphabet=st.one_of(jamo, compat_jamo, hangul, emoji, st.characters(), st.sampled_from(" .,-")),
    max_size=200,
)


def _analyse(text: str) -> None:
    plan = plan_query(text)
    for term in plan.terms + [t for e in plan.expansions for t in e]:
        assert term.lang in ("ko", "en") and term.text
    phrase_terms(text, for_query=False)
    synonym_expansions(text)
    for word in text.split():
        strip_korean_ending(word)
    correct_typos(text, known=lambda w: False, candidates=lambda w: [(w + "s", 3)])
    _correct_korean(text)


def _correct_korean(text: str) -> str:
    """Korean typo correction with an index that holds one word in three (by code points)."""
    asked = []

    def counts(words):
        asked.append(len(words))
        return {w: sum(map(ord, w)) % 3 for w in words}

    fixed = correct_korean_typos(text, counts)
    assert len(asked) <= 2 and sum(asked) <= 4 + 4 * 8 * 65  # bounded work, two round trips
    return fixed


@settings(max_examples=300, deadline=None)
@given(st.one_of(mixed, st.text()))
def test_korean_analysis_never_crashes_on_any_unicode(text):
    _analyse(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(mixed, st.lists(st.text(alphabet=hangul, max_size=10)).map(" ".join)))
def test_korean_typo_correction_changes_at_most_one_syllable_of_a_word(text):
    fixed = _correct_korean(text)
    assert len(fixed) == len(text)
    changed = [i for i, (a, b) in enumerate(zip(text, fixed, strict=True)) if a != b]
    runs = [m.span() for m in HANGUL_RUN.finditer(text)]
    for start, end in runs:
        assert sum(start <= i < end for i in changed) <= 1
    assert all(any(start <= i < end for start, end in runs) for i in changed)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=hangul, min_size=1, max_size=30))
def test_korean_query_words_become_two_syllable_terms(word):
    for term in phrase_terms(word):
        assert term.lang == "ko" and len(term.text) == 2 and term.text in word


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=st.one_of(hangul, jamo, emoji, st.sampled_from("abc ")), min_size=8))
def test_korean_analysis_handles_100_kb_text(seed):
    text = (seed * (100_000 // len(seed.encode()) + 1))[: 100_000 // 3 + 1]
    assert len(text.encode()) >= 30_000
    big = (text * 4)[: len(text) * 4]
    _analyse(big)


def test_korean_analysis_of_lone_surrogates_and_controls_does_not_crash():
    _analyse("\ud800 침수\udfff 센서\x00\u200b\ufeff 스마트\u202e시티 ㅋㅋㅋ 한 👩‍👩‍👧")


# --- exchange validation ----------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
json_like = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
item_keys = st.sampled_from(
    ["id", "vendor", "name", "summary", "category", "trl", "price", "certifications", "pilots",
     "kpis", "type", "valid_from", "valid_until", "country", "start", "end", "tags", "x"]
)  # fmt: skip
items = st.dictionaries(item_keys, json_like, max_size=8)
documents = st.one_of(
    json_like,
    st.fixed_dictionaries(
        {"format": st.one_of(st.just(FORMAT), json_scalars)},
        optional={
            "vendors": st.one_of(st.lists(items, max_size=3), json_like),
            "solutions": st.one_of(st.lists(items, max_size=3), json_like),
            "needs": st.lists(items, max_size=2),
            "leads": st.lists(items, max_size=2),
            "queries": st.lists(items, max_size=2),
            "judgements": st.lists(items, max_size=2),
        },
    ),
)


@pytest.mark.django_db
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_exchange_validation_never_raises_and_lists_errors_with_paths(document):
    errors = validate_document(document)
    assert isinstance(errors, list)
    for error in errors:
        assert isinstance(error, ExchangeError)
        assert isinstance(error.path, str) and error.path and error.message
        if isinstance(document, dict) and error.path != "$":
            top = error.path.split("[")[0].split(".")[0]
            assert top in document or top in ("format", *SECTIONS) or "[" in str(document.keys())


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_parsing_any_bytes_gives_a_dict_or_listed_errors(raw):
    try:
        data = parse_document(raw)
    except ExchangeInvalid as invalid:
        assert invalid.errors and all(e.path and e.message for e in invalid.errors)
    else:
        assert isinstance(data, dict)


# --- CSV exports ------------------------------------------------------------------------------


@given(st.text(max_size=50), st.sampled_from(["=", "+", "-", "@", "\t", "\r"]))
def test_csv_cells_never_start_a_formula(text, prefix):
    from matching.views import safe_cell

    cell = safe_cell(prefix + text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell.endswith(prefix + text)
