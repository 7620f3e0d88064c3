"""Pure scoring of one solution against one need or lead: no ORM, no I/O.

``score_match`` takes a ``TargetProfile`` (a need or a lead), a ``SolutionProfile`` and the text
relevance from retrieval, and returns a ``MatchScore``: the score, whether the solution meets the
hard requirements, each factor's value and contribution, and a one-paragraph explanation in
Korean and English. Weights come from ``matching.weights``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple

from . import weights as W
from .regions import COUNTRY_LANGUAGE, COUNTRY_REGION, country_name, region_name

VIOLATION_CERTIFICATION = "missing_certification"
VIOLATION_BUDGET = "over_budget"


# The parts of a solution profile are named tuples: immutable like the rest and cheap to make,
# as profiles are rebuilt from the selectors' cached rows for every run.


class CertificationProfile(NamedTuple):
    type: str
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    verification: str = "pending"

    def valid_on(self, day: dt.date) -> bool:
        return (
            self.verification != "rejected"
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or self.valid_until >= day)
        )


class KpiProfile(NamedTuple):
    indicator: str
    improvement: float | None  # relative, in the good direction (0.25 = 25 % better)


class PilotProfile(NamedTuple):
    city: str
    country: str
    tier: str = ""
    population: int | None = None
    end: dt.date | None = None
    verification: str = "pending"
    kpis: tuple[KpiProfile, ...] = ()


@dataclass(frozen=True, slots=True)
class SolutionProfile:
    id: int
    category: str
    price_min: float | None = None
    price_max: float | None = None
    currency: str = ""
    languages: tuple[str, ...] = ()
    reference_countries: tuple[str, ...] = ()
    certifications: tuple[CertificationProfile, ...] = ()
    pilots: tuple[PilotProfile, ...] = ()
    published_on: dt.date | None = None

    @property
    def places(self) -> set[str]:
        """Countries with references or pilots."""
        return {*self.reference_countries, *(p.country for p in self.pilots)}

    @property
    def latest(self) -> dt.date | None:
        """The latest pilot end or publication date."""
        dates = [p.end for p in self.pilots if p.end]
        if self.published_on:
            dates.append(self.published_on)
        return max(dates, default=None)


@dataclass(frozen=True)
class TargetProfile:
    """What a need or a lead asks for; ``kind`` is "need" or "lead"."""

    kind: str
    category: str = ""
    budget_max: float | None = None
    budget_currency: str = ""
    required_certifications: tuple[str, ...] = ()
    deadline: dt.date | None = None
    country: str = "KR"
    tier: str = ""
    population: int | None = None


class Factor(NamedTuple):
    """One factor of a score (a named tuple: hundreds are made per run, cheaply)."""

    value: float  # in [0, 1]
    weight: float
    note_en: str = ""
    note_ko: str = ""

    @property
    def contribution(self) -> float:
        return self.value * self.weight


@dataclass(frozen=True, slots=True)
class MatchScore:
    """One candidate's score. Hundreds are made per run: the factor values are kept as one
    tuple of numbers (in the order of ``W.WEIGHTS``) and ``factors`` is built when asked for."""

    solution_id: int
    score: float
    compliant: bool
    violations: tuple[str, ...]
    values: tuple[float, ...] = ()
    explanation_en: str = ""
    explanation_ko: str = ""
    on_topic: bool = True  # see ``on_topic``: False means not a match at all
    relevance: float = 0.0  # the text relevance from retrieval (best candidate = 1)

    @property
    def factors(self) -> dict[str, Factor]:
        return {
            name: Factor(value, weight)
            for (name, weight), value in zip(W.WEIGHTS.items(), self.values, strict=True)
        }

    def explanation(self, language: str) -> str:
        return self.explanation_ko if language == "ko" else self.explanation_en

    def breakdown(self) -> dict:
        """JSON-ready: each factor's value, weight and contribution, and the violations."""
        return {
            "score": round(self.score, 4),
            "compliant": self.compliant,
            "violations": list(self.violations),
            "factors": {
                name: {
                    "value": round(f.value, 4),
                    "weight": f.weight,
                    "contribution": round(f.contribution, 4),
                }
                for name, f in self.factors.items()
            },
        }


def _clip(value: float) -> float:
    if value is None or value != value:  # None or NaN
        return 0.0
    return 1.0 if value >= 1.0 else (0.0 if value <= 0.0 else float(value))


def to_krw(amount: float | None, currency: str, rates: Mapping[str, float]) -> float | None:
    """``amount`` in KRW by ``rates`` (KRW per unit); None when amount or rate is unknown."""
    if amount is None:
        return None
    rate = rates.get((currency or "KRW").upper())
    if rate is None:
        return None
    return float(amount) * float(rate)


# -- factors -----------------------------------------------------------------------------------


def text_fit(relevance: float) -> float:
    """Relevance over ``W.TEXT_SATURATION``, at most 1: near the best counts as fully on topic."""
    return min(1.0, _clip(relevance) / W.TEXT_SATURATION)


def category_fit(wanted: str, offered: str) -> float:
    """1 for the same category, less for a neighbouring one or a city platform, else 0."""
    if not wanted:
        return 0.5
    if wanted == offered:
        return 1.0
    if frozenset((wanted, offered)) in W.RELATED_CATEGORIES:
        return W.RELATED_CATEGORY_FIT
    if "platform" in (wanted, offered):
        return W.PLATFORM_CATEGORY_FIT
    return 0.0


def certification_fit(
    required: Iterable[str], certifications: Iterable[CertificationProfile], day: dt.date
) -> tuple[float, tuple[str, ...]]:
    """Share of the required types valid on ``day`` and the missing types."""
    required = tuple(dict.fromkeys(required))
    if not required:
        return 1.0, ()
    valid = {c.type for c in certifications if c.valid_on(day)}
    missing = tuple(t for t in required if t not in valid)
    return 1.0 - len(missing) / len(required), missing


def budget_fit(
    budget_krw: float | None, price_min_krw: float | None, price_max_krw: float | None
) -> tuple[float, bool]:
    """(value, over_budget). Unknown budget or price is neutral (0.5) and no violation."""
    low = price_min_krw if price_min_krw is not None else price_max_krw
    high = price_max_krw if price_max_krw is not None else price_min_krw
    if budget_krw is None or low is None or high is None:
        return 0.5, False
    if low > budget_krw:
        return 0.0, True
    if high <= budget_krw or high <= low:
        return 1.0, False
    return 0.5 + 0.5 * (budget_krw - low) / (high - low), False


_TIERS = ("county", "city", "metropolitan")


def city_similarity(pilot: PilotProfile, tier: str, population: int | None) -> float:
    """How alike a pilot's city is to the buyer's: tier and population, in [0, 1]."""
    parts = []
    if population and pilot.population:
        distance = abs(math.log10(pilot.population / population))
        parts.append(max(0.0, 1.0 - distance / 1.3))
    if tier and pilot.tier in _TIERS and tier in _TIERS:
        steps = abs(_TIERS.index(pilot.tier) - _TIERS.index(tier))
        parts.append((1.0, 0.45, 0.1)[steps])
    if not parts:
        return 0.3
    return sum(parts) / len(parts)


def city_size_fit(target: TargetProfile, pilots: Iterable[PilotProfile]) -> float:
    """Best pilot's likeness to the buyer's city, a little more for a second alike pilot."""
    if not target.tier and not target.population:
        return 0.5  # not applicable (most leads): the same for every candidate
    sims = sorted(
        (
            city_similarity(p, target.tier, target.population)
            for p in pilots
            if p.verification != "rejected"
        ),
        reverse=True,
    )
    if not sims:
        return 0.0
    second = sims[1] if len(sims) > 1 else 0.0
    return min(1.0, 0.85 * sims[0] + 0.15 * second)


def pilot_strength(pilot: PilotProfile) -> float:
    """0.4 for a documented pilot, up to 1 with KPI improvements (30 % or better counts full)."""
    gains = [k.improvement for k in pilot.kpis if k.improvement is not None]
    if not gains:
        return 0.4
    mean_gain = sum(max(0.0, min(1.0, g)) for g in gains) / len(gains)
    return 0.4 + 0.6 * min(1.0, mean_gain / 0.3)


def evidence_fit(pilots: Iterable[PilotProfile]) -> float:
    """Saturating sum of pilot strengths weighted by trust in their verification."""
    total = sum(W.PILOT_TRUST.get(p.verification, 0.5) * pilot_strength(p) for p in pilots)
    return 1.0 - math.exp(-total)


def _presence(solution: SolutionProfile, country: str) -> tuple[float, str]:
    places = solution.places
    if country in places:
        return 1.0, "country"
    region = COUNTRY_REGION.get(country)
    if region and any(COUNTRY_REGION.get(c) == region for c in places):
        return 0.55, "region"
    return 0.0, ""


def readiness_fit(target: TargetProfile, solution: SolutionProfile) -> float:
    """Leads: presence in the country/region, English and local-language material.

    Needs (domestic buyers): Korean references and Korean material; a product already piloted
    or referenced in the buyer's country has shown it can serve such buyers, so presence
    counts for more than brochures (``W.NEED_LANGUAGE_SHARE``).
    """
    languages = solution.languages
    presence, _ = _presence(solution, target.country)
    if target.kind == "lead":
        local = COUNTRY_LANGUAGE.get(target.country)
        return (
            0.55 * presence
            + 0.3 * ("en" in languages)
            + 0.15 * (local is not None and local in languages)
        )
    local = COUNTRY_LANGUAGE.get(target.country, "ko")
    return W.NEED_LANGUAGE_SHARE * (local in languages) + (1 - W.NEED_LANGUAGE_SHARE) * presence


def recency_fit(solution: SolutionProfile, today: dt.date) -> float:
    """Halves every ``RECENCY_HALF_LIFE_YEARS`` since the latest pilot end or publication."""
    if solution.latest is None:
        return 0.3
    years = max(0.0, (today - solution.latest).days / 365.25)
    return 0.5 ** (years / W.RECENCY_HALF_LIFE_YEARS)


def on_topic(text: float, category: float) -> bool:
    """Whether a candidate is about what was asked, whatever its other merits.

    ``text`` is relative to the best candidate's (1 = as relevant as the best) and ``category``
    is ``category_fit``: the buyer's own category halves the text evidence needed, an unrelated
    one needs twice the floor. Below it a solution is not a match, however good its evidence,
    so a need with few relevant solutions gets a short list rather than one padded out.
    """
    return _clip(text) * (0.5 + 0.5 * _clip(category)) >= W.RELEVANCE_FLOOR


def can_be_on_topic(relevance: float) -> bool:
    """False when no category could make ``relevance`` on topic: not worth scoring at all."""
    return on_topic(relevance, 1.0)


# -- the score ---------------------------------------------------------------------------------


def score_match(
    target: TargetProfile,
    solution: SolutionProfile,
    *,
    text: float,
    rates: Mapping[str, float],
    today: dt.date,
    explain_it: bool = True,
) -> MatchScore:
    """Score ``solution`` for ``target``; ``text`` is the normalised retrieval relevance.

    Without ``explain_it`` the explanation is left empty (``with_explanation`` adds it later),
    since only the few matches that are kept need one.
    """
    day = target.deadline or today
    cert_value, missing = certification_fit(
        target.required_certifications, solution.certifications, day
    )
    budget_value, over_budget = budget_fit(
        to_krw(target.budget_max, target.budget_currency, rates),
        to_krw(solution.price_min, solution.currency, rates),
        to_krw(solution.price_max, solution.currency, rates),
    )
    relevance = _clip(text)
    found = {
        "text": text_fit(relevance),
        "category": category_fit(target.category, solution.category),
        "certification": cert_value,
        "budget": budget_value,
        "city_size": city_size_fit(target, solution.pilots),
        "evidence": evidence_fit(solution.pilots),
        "readiness": readiness_fit(target, solution),
        "recency": recency_fit(solution, today),
    }
    values = tuple(_clip(found[name]) for name in W.WEIGHTS)
    score = _weighted_geometric_mean(values, tuple(W.WEIGHTS.values()))
    violations = tuple(f"{VIOLATION_CERTIFICATION}:{t}" for t in missing) + (
        (VIOLATION_BUDGET,) if over_budget else ()
    )
    en, ko = (
        explain(target, solution, missing=missing, over_budget=over_budget, day=day, rates=rates)
        if explain_it
        else ("", "")
    )
    return MatchScore(
        solution_id=solution.id,
        score=_clip(score),
        compliant=not violations,
        violations=violations,
        values=values,
        explanation_en=en,
        explanation_ko=ko,
        on_topic=on_topic(relevance, _clip(found["category"])),
        relevance=relevance,
    )


def with_explanation(
    score: MatchScore,
    target: TargetProfile,
    solution: SolutionProfile,
    *,
    rates: Mapping[str, float],
    today: dt.date,
) -> MatchScore:
    """``score`` with its explanation filled in (the same one ``score_match`` would give)."""
    if score.explanation_en:
        return score
    missing = tuple(
        v.split(":", 1)[1] for v in score.violations if v.startswith(VIOLATION_CERTIFICATION)
    )
    en, ko = explain(
        target,
        solution,
        missing=missing,
        over_budget=VIOLATION_BUDGET in score.violations,
        day=target.deadline or today,
        rates=rates,
    )
    return replace(score, explanation_en=en, explanation_ko=ko)


def combine(factors: Mapping[str, Factor]) -> float:
    """Weighted geometric mean of the factor values (each floored at ``W.FLOOR``).

    A geometric mean lets one weak factor pull a solution down (an unrelated text cannot be
    rescued by good evidence), while staying monotone in every factor.
    """
    return _weighted_geometric_mean(
        tuple(f.value for f in factors.values()), tuple(f.weight for f in factors.values())
    )


def _weighted_geometric_mean(values: tuple[float, ...], weights: tuple[float, ...]) -> float:
    total = sum(weights)
    if total <= 0:
        return 0.0
    log_sum = sum(w * math.log(max(W.FLOOR, v)) for v, w in zip(values, weights, strict=True))
    return math.exp(log_sum / total)


def rank(scores: Iterable[MatchScore]) -> list[MatchScore]:
    """Compliant solutions first, then by score (ties by id, for a stable order)."""
    return sorted(scores, key=lambda s: (not s.compliant, -s.score, s.solution_id))


# -- explanation -------------------------------------------------------------------------------

CERT_LABELS = {
    "gs": ("GS certificate", "GS 인증"),
    "pps-innovation": ("innovation-product designation", "혁신제품 지정"),
    "pps-excellent": ("excellent-product designation", "우수조달물품 지정"),
    "nep": ("NEP certificate", "NEP 인증"),
    "net": ("NET certificate", "NET 인증"),
    "performance-cert": ("performance certificate", "성능인증"),
    "kc": ("KC certificate", "KC 인증"),
    "cc": ("Common Criteria certificate", "CC 인증"),
    "iso-27001": ("ISO/IEC 27001 certificate", "ISO/IEC 27001 인증"),
    "iso-9001": ("ISO 9001 certificate", "ISO 9001 인증"),
    "ce": ("CE marking", "CE 인증"),
    "ul": ("UL listing", "UL 인증"),
    "fcc": ("FCC authorisation", "FCC 인증"),
    "other": ("certificate", "인증"),
}
TIER_LABELS = {
    "county": ("county", "counties", "군"),
    "city": ("city", "cities", "시"),
    "metropolitan": ("metropolitan city", "metropolitan cities", "광역시"),
}
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
LANGUAGE_NAMES = {
    "en": ("English", "영어"), "ko": ("Korean", "한국어"), "vi": ("Vietnamese", "베트남어"),
    "th": ("Thai", "태국어"), "id": ("Indonesian", "인도네시아어"), "ms": ("Malay", "말레이어"),
    "ar": ("Arabic", "아랍어"), "es": ("Spanish", "스페인어"), "ru": ("Russian", "러시아어"),
    "uz": ("Uzbek", "우즈베크어"), "pl": ("Polish", "폴란드어"), "sw": ("Swahili", "스와힐리어"),
    "tl": ("Filipino", "필리핀어"), "ja": ("Japanese", "일본어"),
    "pt": ("Portuguese", "포르투갈어"), "fr": ("French", "프랑스어"),
}  # fmt: skip


def _cert_label(cert_type: str, language: str) -> str:
    en, ko = CERT_LABELS.get(cert_type, (cert_type, cert_type))
    return ko if language == "ko" else en


def _count_en(n: int) -> str:
    return NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else str(n)


def _round_up(population: int) -> int:
    magnitude = 10 ** max(0, len(str(population)) - 1)
    return -(-population // magnitude) * magnitude


def _population_ko(n: int) -> str:
    if n >= 10_000:
        man = n / 10_000
        return f"{man:g}만 명"
    return f"{n:,}명"


def _month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def _pilot_phrases(target: TargetProfile, solution: SolutionProfile) -> tuple[str, str]:
    pilots = [p for p in solution.pilots if p.verification != "rejected"]
    if not pilots:
        return "no documented pilot", "실증 이력 없음"
    if target.tier in TIER_LABELS:
        alike = [p for p in pilots if p.tier == target.tier]
        if alike:
            singular, plural, ko_tier = TIER_LABELS[target.tier]
            n = len(alike)
            where_en = f"{_count_en(n)} {singular if n == 1 else plural}"
            pops = [p.population for p in alike if p.population]
            if pops:
                # Strictly above the largest: a county of 50,000 people is not "under 50,000".
                bound = _round_up(max(pops) + 1)
                en = f"piloted in {where_en} of under {bound:,} people"
                ko = f"인구 {_population_ko(bound)} 이하 {ko_tier} {n}곳에서 실증"
            else:
                en, ko = f"piloted in {where_en}", f"{ko_tier} {n}곳에서 실증"
            return en, ko
        tiers = sorted({p.tier for p in pilots if p.tier in TIER_LABELS})
        if tiers:
            en_t = " and ".join(TIER_LABELS[t][1] for t in tiers)
            ko_t = "·".join(TIER_LABELS[t][2] for t in tiers)
            singular = TIER_LABELS[target.tier][1]
            return (
                f"piloted only in {en_t}, not in {singular} like the buyer",
                f"{ko_t}에서만 실증되어 같은 규모({TIER_LABELS[target.tier][2]}) 실증 없음",
            )
    countries = list(dict.fromkeys(p.country for p in pilots))[:3]
    cities = ", ".join(p.city for p in pilots[:3])
    return (
        f"piloted in {cities} ({', '.join(country_name(c, 'en') for c in countries)})",
        f"{', '.join(country_name(c, 'ko') for c in countries)}에서 실증({cities})",
    )


KPI_GAIN_SHOWN_UP_TO = 100.0  # 10,000 %


def _kpi_phrases(solution: SolutionProfile) -> tuple[str, str] | None:
    best: tuple[float, KpiProfile, PilotProfile] | None = None
    for pilot in solution.pilots:
        if pilot.verification == "rejected":
            continue
        for kpi in pilot.kpis:
            if kpi.improvement is not None and (best is None or kpi.improvement > best[0]):
                best = (kpi.improvement, kpi, pilot)
    if best is None or best[0] <= 0:
        return None
    gain, kpi, pilot = best
    if gain < KPI_GAIN_SHOWN_UP_TO:  # the figure the solution page shows
        pct_en = pct_ko = f"{round(gain * 100):,}%"
    else:  # from a baseline near zero: the figure would say less than "very large"
        shown = f"{round(KPI_GAIN_SHOWN_UP_TO * 100):,}%"
        pct_en, pct_ko = f"more than {shown}", f"{shown} 이상"
    status_en = " (verified)" if pilot.verification == "verified" else ""
    status_ko = "(검증됨)" if pilot.verification == "verified" else ""
    return (
        f"{kpi.indicator} improved by {pct_en} in {pilot.city}{status_en}",
        f"{pilot.city}에서 '{kpi.indicator}' {pct_ko} 개선{status_ko}",
    )


def _cert_phrases(
    target: TargetProfile, solution: SolutionProfile, missing: tuple[str, ...], day: dt.date
) -> list[tuple[str, str]]:
    phrases = []
    for cert_type in missing:
        phrases.append(
            (
                f"REQUIREMENT NOT MET: no {_cert_label(cert_type, 'en')} valid on {day}",
                f"요건 미충족: {day} 기준 유효한 {_cert_label(cert_type, 'ko')} 없음",
            )
        )
    shown = [t for t in target.required_certifications if t not in missing]
    if not shown:
        valid = [c for c in solution.certifications if c.valid_on(day)]
        shown = [valid[0].type] if valid else []
    for cert_type in dict.fromkeys(shown):
        cert = max(
            (c for c in solution.certifications if c.type == cert_type and c.valid_on(day)),
            key=lambda c: c.valid_until or dt.date.max,
        )
        if cert.valid_until:
            en = f"{_cert_label(cert_type, 'en')} valid until {_month(cert.valid_until)}"
            ko = f"{_cert_label(cert_type, 'ko')} {_month(cert.valid_until)}까지 유효"
        else:
            en = f"{_cert_label(cert_type, 'en')} without expiry"
            ko = f"{_cert_label(cert_type, 'ko')} 보유(만료 없음)"
        phrases.append((en, ko))
    return phrases


def _price_phrases(
    target: TargetProfile, solution: SolutionProfile, over_budget: bool, rates
) -> tuple[str, str] | None:
    if target.budget_max is None:
        return None
    if solution.price_min is None and solution.price_max is None:
        return "no price information", "가격 정보 없음"
    if over_budget:
        low = solution.price_min if solution.price_min is not None else solution.price_max
        return (
            f"REQUIREMENT NOT MET: priced above the budget (from {low:,.0f} {solution.currency})",
            f"요건 미충족: 예산 초과(최저 {low:,.0f} {solution.currency})",
        )
    budget = to_krw(target.budget_max, target.budget_currency, rates)
    high = to_krw(
        solution.price_max if solution.price_max is not None else solution.price_min,
        solution.currency,
        rates,
    )
    if budget is None or high is None:
        return "price not comparable with the budget", "예산과 가격 비교 불가(환율 없음)"
    if high <= budget:
        return "price within budget", "가격이 예산 범위 내"
    return "lower end of the price range within budget", "가격 범위 하단이 예산 내"


def _readiness_phrases(target: TargetProfile, solution: SolutionProfile) -> list[tuple[str, str]]:
    languages = list(dict.fromkeys(solution.languages))
    if target.kind != "lead":
        if "ko" not in languages:
            return [("no Korean material", "한국어 자료 없음")]
        return []
    phrases = []
    presence, where = _presence(solution, target.country)
    if where == "country":
        phrases.append(
            (
                f"references in {country_name(target.country, 'en')}",
                f"{country_name(target.country, 'ko')} 내 레퍼런스 보유",
            )
        )
    elif where == "region":
        region = COUNTRY_REGION[target.country]
        phrases.append(
            (
                f"references in {region_name(region, 'en')}",
                f"{region_name(region, 'ko')} 레퍼런스 보유",
            )
        )
    else:
        phrases.append(("no references in the region", "해당 지역 레퍼런스 없음"))
    if languages:
        names_en = ", ".join(LANGUAGE_NAMES.get(lang, (lang, lang))[0] for lang in languages)
        names_ko = ", ".join(LANGUAGE_NAMES.get(lang, (lang, lang))[1] for lang in languages)
        if "en" in languages:
            phrases.append((f"material in {names_en}", f"자료 언어: {names_ko}"))
        else:
            phrases.append(
                (f"no English material (only {names_en})", f"영문 자료 없음({names_ko})")
            )
    return phrases


def explain(
    target: TargetProfile,
    solution: SolutionProfile,
    *,
    missing: tuple[str, ...],
    over_budget: bool,
    day: dt.date,
    rates: Mapping[str, float],
) -> tuple[str, str]:
    """One paragraph in English and one in Korean; unmet requirements come first."""
    phrases: list[tuple[str, str]] = []
    cert = _cert_phrases(target, solution, missing, day)
    price = _price_phrases(target, solution, over_budget, rates)
    unmet = [p for p in cert if p[0].startswith("REQUIREMENT")]
    if price and price[0].startswith("REQUIREMENT"):
        unmet.append(price)
        price = None
    phrases.extend(unmet)
    phrases.append(_pilot_phrases(target, solution))
    kpi = _kpi_phrases(solution)
    if kpi:
        phrases.append(kpi)
    phrases.extend(p for p in cert if not p[0].startswith("REQUIREMENT"))
    if price:
        phrases.append(price)
    phrases.extend(_readiness_phrases(target, solution))
    en = "; ".join(p[0] for p in phrases)
    ko = "; ".join(p[1] for p in phrases)
    return en[:1].upper() + en[1:] + ".", ko + "."
