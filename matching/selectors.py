"""Reads for matching: profiles in bulk for scoring, rates, needs, leads and matches."""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connections, router
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from catalogue.models import Certification, Kpi, Organisation, Pilot, Solution, kpi_improvement

from .models import CurrencyRate, Lead, Match, Need
from .scoring import (
    CertificationProfile,
    KpiProfile,
    PilotProfile,
    SolutionProfile,
    TargetProfile,
)


@functools.cache
def _baseline_rates() -> dict[str, float]:
    """The rates shipped in the repo (matching/data/rates.json), also seeded into the table."""
    path = settings.BASE_DIR / "matching" / "data" / "rates.json"
    return {c: float(r) for c, r in json.loads(path.read_text(encoding="utf-8"))["rates"].items()}


def rates_on(day: dt.date | None = None) -> dict[str, float]:
    """KRW per unit for every currency: the latest rate on or before ``day`` (else the earliest).

    Currencies the table lacks (an emptied table, a flushed test database) fall back to the
    rates shipped in the repo, so a budget check never silently loses its conversion.
    """
    rates: dict[str, float] = {}
    rows = CurrencyRate.objects.order_by("currency", "date").values_list(
        "currency", "krw_per_unit", "date"
    )
    for currency, rate, date in rows:
        if currency not in rates or day is None or date <= day:
            rates[currency] = float(rate)
    return {**_baseline_rates(), **rates}


# Per-process cache of profiles: solution id -> (version stamp, expiry, row). A solution's
# edits (texts, price, certifications, pilots, KPIs) bump its version and ``updated_at``, and an
# operator's verification its ``updated_at``, so the stamp, checked on every use, catches them in
# every process (``forget_profiles``, called by the receivers in apps.py, drops them at once in
# the process that wrote); the lifetime only bounds what a write outside the services could
# leave stale.
#
# What is kept is a compact row of plain tuples, strings, numbers and dates (``_profile_row``),
# not the profile objects: Python's cycle collector stops tracking such tuples, so a cache of
# tens of thousands of solutions adds nothing to its full collections, which otherwise walk
# every cached object and pause a match for tens of milliseconds. The profile is rebuilt from
# the row when asked for (a few microseconds).
PROFILE_TTL_SECONDS = 60.0
PROFILE_CACHE_MAX = 50_000  # solutions kept per process; expired ones go first past this
_PROFILE_CACHE: dict[int, tuple[tuple, float, tuple]] = {}

# Solutions are looked up by primary key only, the status checked on the rows: with
# ``status = 'published'`` in the query SQLite walks the status index (the whole published
# catalogue) instead of the hundreds of keys asked for.
PUBLISHED = Solution.Status.PUBLISHED


def forget_profiles(solution_ids: Iterable[int] | None = None) -> None:
    """Drop cached profiles (all of them when ``solution_ids`` is None)."""
    if solution_ids is None:
        _PROFILE_CACHE.clear()
    for sid in solution_ids or ():
        _PROFILE_CACHE.pop(sid, None)


def solution_profiles(solution_ids: Iterable[int]) -> dict[int, SolutionProfile]:
    """Profiles of the published solutions among ``solution_ids`` (cached per version)."""
    ids = list(solution_ids)
    if not ids:
        return {}
    now = time.monotonic()
    found: dict[int, tuple] = {}
    # Cached ones are checked against their stamps; the others are loaded straight away.
    missing = [sid for sid in ids if sid not in _PROFILE_CACHE]
    cached = [sid for sid in ids if sid in _PROFILE_CACHE]
    if cached:
        for sid, status, version, updated in _fetch(_stamp_rows, cached):
            if status != PUBLISHED:
                continue
            stamp, expiry, row = _PROFILE_CACHE.get(sid) or (None, 0.0, None)
            if stamp == (version, updated) and expiry > now:
                found[sid] = row
            else:
                missing.append(sid)
    if missing:
        fresh = _load_rows(missing)
        if len(_PROFILE_CACHE) + len(fresh) > PROFILE_CACHE_MAX:
            _prune_profiles(now)
        for sid, (stamp, row) in fresh.items():
            _PROFILE_CACHE[sid] = (stamp, now + PROFILE_TTL_SECONDS, row)
            found[sid] = row
    return {sid: _profile(row) for sid, row in found.items()}


def _prune_profiles(now: float) -> None:
    """Drop expired profiles; if that is not enough, the older half."""
    for sid in [sid for sid, entry in _PROFILE_CACHE.items() if entry[1] <= now]:
        del _PROFILE_CACHE[sid]
    if len(_PROFILE_CACHE) > PROFILE_CACHE_MAX // 2:
        for sid in list(_PROFILE_CACHE)[: len(_PROFILE_CACHE) // 2]:
            del _PROFILE_CACHE[sid]


def _profile(row: tuple) -> SolutionProfile:
    """The profile of one cached row (see ``_load_rows``)."""
    sid, category, pmin, pmax, currency, languages, countries, certs, pilots, published = row
    return SolutionProfile(
        id=sid,
        category=category,
        price_min=pmin,
        price_max=pmax,
        currency=currency,
        languages=languages,
        reference_countries=countries,
        certifications=tuple(CertificationProfile._make(c) for c in certs),
        pilots=tuple(
            PilotProfile(*pilot[:6], tuple(KpiProfile._make(k) for k in pilot[6]))
            for pilot in pilots
        ),
        published_on=published,
    )


def _load_rows(ids: list[int], *, compiled: bool = True) -> dict[int, tuple[tuple, tuple]]:
    """(stamp, row) of the published ones among ``ids``: four queries, whatever their number.

    ``compiled=False`` runs the same querysets through the plain ORM (the reference in tests).
    """
    fetch = _fetch if compiled else _fetch_plain
    found = [row for row in fetch(_solution_rows, ids) if row[-1] == PUBLISHED]
    stamps = {row[0]: (row[-3], row[-2]) for row in found}  # (version, updated_at)
    rows = [row[:-3] for row in found]
    ids = list(stamps)
    certs: dict[int, list[tuple]] = defaultdict(list)
    kpis: dict[int, list[tuple]] = defaultdict(list)
    pilots: dict[int, list[tuple]] = defaultdict(list)
    if ids:  # (the ORM runs no query for an empty ``__in`` either)
        for sid, ctype, vfrom, vuntil, verification in fetch(_certification_rows, ids):
            certs[sid].append((ctype, vfrom, vuntil, verification))
        for pilot_id, indicator, baseline, result, better in fetch(_kpi_rows, ids):
            kpis[pilot_id].append((indicator, kpi_improvement(baseline, result, better)))
        for pid, sid, city, country, tier, population, end, verification in fetch(_pilot_rows, ids):
            pilots[sid].append(
                (city, country, tier, population, end, verification, tuple(kpis[pid]))
            )
    return {
        sid: (
            stamps[sid],
            (
                sid,
                category,
                float(pmin) if pmin is not None else None,
                float(pmax) if pmax is not None else None,
                currency or "",
                tuple(languages or ()),
                tuple(countries or ()),
                tuple(certs[sid]),
                tuple(pilots[sid]),
                published.date() if published else None,
            ),
        )
        for sid, category, pmin, pmax, currency, languages, countries, published in rows
    }


# The querysets behind the profile cache, each filtered on a list of solution ids and nothing
# else (``_CompiledRows`` checks that the ids are the only parameters).


def _stamp_rows(ids) -> QuerySet:
    return (
        Solution.objects.filter(id__in=ids)
        .order_by()
        .values_list("id", "status", "version", "updated_at")
    )


def _solution_rows(ids) -> QuerySet:
    return (
        Solution.objects.filter(id__in=ids)
        .order_by()
        .values_list(
            "id",
            "category",
            "price_min",
            "price_max",
            "currency",
            "languages",
            "reference_countries",
            "published_at",
            "version",
            "updated_at",
            "status",
        )
    )


def _certification_rows(ids) -> QuerySet:
    return (
        Certification.objects.filter(solution_id__in=ids)
        .order_by("solution_id", "id")
        .values_list("solution_id", "type", "valid_from", "valid_until", "verification")
    )


def _kpi_rows(ids) -> QuerySet:
    return (
        Kpi.objects.filter(pilot__solution_id__in=ids)
        .order_by("pilot_id", "id")
        .values_list("pilot_id", "indicator", "baseline", "result", "better")
    )


def _pilot_rows(ids) -> QuerySet:
    return (
        Pilot.objects.filter(solution_id__in=ids)
        .order_by("solution_id", "id")
        .values_list(
            "id", "solution_id", "city", "country", "tier", "population", "end", "verification"
        )
    )


_MODELS = {
    _stamp_rows: Solution,
    _solution_rows: Solution,
    _certification_rows: Certification,
    _kpi_rows: Kpi,
    _pilot_rows: Pilot,
}


def _fetch_plain(make: Callable[[list[int]], QuerySet], ids: list[int]) -> list[tuple]:
    return list(make(ids))


# Past this many ids the plain ORM is used: few such lists, and no statement kept for each.
COMPILED_MAX_IDS = 2048


def _fetch(make: Callable[[list[int]], QuerySet], ids: list[int]) -> list[tuple]:
    """The rows of ``make(ids)``, from SQL compiled once per database and size class of ``ids``.

    The list is padded to its size class by repeating its last id (``IN`` ignores repeats), so
    a few dozen statements serve every list length instead of one per length.
    """
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    size = _size_class(len(ids))
    if size > COMPILED_MAX_IDS:
        return _fetch_plain(make, ids)
    key = (make, router.db_for_read(_MODELS[make]), size)
    query = _compiled_rows.get(key)
    if query is None:
        query = _compiled_rows.setdefault(key, _CompiledRows(make, key[1], size))
    return query.fetch(ids + [ids[-1]] * (size - len(ids)))


def _size_class(count: int) -> int:
    """The smallest of 8, 12, 16, 24, 32, 48, ... (powers of two and one and a half times
    them) not below ``count``: padding adds at most half the ids."""
    size = 8
    while size < count:
        half = size // 2
        size = size + half if (size & (size - 1)) == 0 else size + size // 3
    return size


class _CompiledRows:
    """A ``values_list`` queryset of ``count`` ids, compiled once.

    Django builds the filter (a lookup per id) and compiles the SQL on every evaluation; for
    the four profile queries of a match that was a fifth of its CPU. Only the ids change, so
    the SQL is kept per database and number of ids, executed with the ids as its parameters,
    and the rows go through the compiler's converters the way ``ValuesListIterable`` does
    (dates, decimals and JSON come back exactly as from the ORM).
    """

    def __init__(self, make: Callable[[list[int]], QuerySet], alias: str, count: int):
        placeholder = list(range(1, count + 1))
        compiler = make(placeholder).using(alias).query.get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        if list(params) != placeholder:  # the ids must be the query's only parameters
            raise AssertionError(f"{make.__name__}: parameters {params!r} are not the ids")
        self.alias, self.compiler = alias, compiler

    def fetch(self, ids: list[int]) -> list[tuple]:
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, ids)
            rows = cursor.fetchall()
        return list(self.compiler.results_iter([rows], tuple_expected=True))


_compiled_rows: dict[tuple, _CompiledRows] = {}


def need_profile(need: Need) -> TargetProfile:
    """What scoring needs from a need; the buyer's size comes from its organisation."""
    org: Organisation | None = need.organisation
    return TargetProfile(
        kind="need",
        category=need.category,
        budget_max=float(need.budget_max) if need.budget_max is not None else None,
        budget_currency=need.budget_currency or "KRW",
        required_certifications=tuple(need.required_certifications or ()),
        deadline=need.deadline,
        country=(org.country if org else need.buyer_country) or "KR",
        tier=(org.tier if org and org.tier else need.buyer_tier) or "",
        population=(org.population if org and org.population else need.buyer_population),
    )


def lead_profile(lead: Lead) -> TargetProfile:
    """What scoring needs from a lead (the buyer's city size is usually unknown)."""
    return TargetProfile(
        kind="lead",
        category=lead.category,
        budget_max=float(lead.budget_max) if lead.budget_max is not None else None,
        budget_currency=lead.budget_currency or "USD",
        required_certifications=tuple(lead.required_certifications or ()),
        deadline=lead.deadline,
        country=lead.country,
    )


def query_texts(item: Need | Lead) -> list[str]:
    """The retrieval queries for a need or lead: one per language it is written in, its title
    on the first line (``services.focused_text`` always keeps that line whole)."""
    texts = []
    for lang in ("ko", "en"):
        title = getattr(item, f"title_{lang}")
        description = getattr(item, f"description_{lang}")
        if title or description:
            texts.append(f"{' '.join(title.split())}\n{description.strip()}")
    return texts


def need_list(*, user) -> QuerySet[Need]:
    """Needs ``user`` may see: published ones, its organisation's drafts; operators see all."""
    needs = Need.objects.select_related("organisation")
    if user is not None and user.is_authenticated and user.is_operator():
        return needs
    visible = Q(status=Need.Status.PUBLISHED)
    if user is not None and user.is_authenticated and user.organisation_id:
        visible |= Q(organisation_id=user.organisation_id)
    return needs.filter(visible)


LEAD_READERS = ("agency", "vendor", "operator")


def lead_list(*, user) -> QuerySet[Lead]:
    """Leads: visible to signed-in agency, vendor and operator users (not to municipalities,
    which post needs: leads are overseas tenders brought for exporters)."""
    if user is None or not user.is_authenticated:
        return Lead.objects.none()
    if not (user.is_operator() or getattr(user, "kind", None) in LEAD_READERS):
        return Lead.objects.none()
    return Lead.objects.all()


def open_needs() -> QuerySet[Need]:
    today = timezone.localdate()
    return Need.objects.filter(status=Need.Status.PUBLISHED).filter(
        Q(deadline__isnull=True) | Q(deadline__gte=today)
    )


def open_leads() -> QuerySet[Lead]:
    today = timezone.localdate()
    return Lead.objects.filter(status=Lead.Status.OPEN).filter(
        Q(deadline__isnull=True) | Q(deadline__gte=today)
    )


# What makes a match current: computed for the solution as it is, and the solution published.
CURRENT_MATCH = {"stale": False, "solution__status": Solution.Status.PUBLISHED}


def match_list(*, need: Need | None = None, lead: Lead | None = None) -> QuerySet[Match]:
    """Current (not stale) matches of a need or lead with a published solution, best first.

    A solution that left the catalogue (archived, sent back) is dropped at once, also for
    closed needs and leads, which are not matched again when a solution changes.
    """
    matches = Match.objects.filter(**CURRENT_MATCH).select_related("solution")
    if need is not None:
        return matches.filter(need=need)
    return matches.filter(lead=lead)


def with_candidate_counts(opportunities: QuerySet) -> QuerySet:
    """Needs or leads annotated with ``candidates`` (the matches ``match_list`` shows) and
    ``compliant_candidates`` (those that meet every hard requirement)."""
    current = Q(**{f"matches__{lookup}": value for lookup, value in CURRENT_MATCH.items()})
    return opportunities.annotate(
        candidates=Count("matches", filter=current),
        compliant_candidates=Count("matches", filter=current & Q(matches__compliant=True)),
    )


def _open_opportunity_matches() -> QuerySet[Match]:
    """Current matches with open (published, not past the deadline) needs and leads."""
    today = timezone.localdate()
    open_need = Q(
        need__status=Need.Status.PUBLISHED,
    ) & (Q(need__deadline__isnull=True) | Q(need__deadline__gte=today))
    open_lead = Q(lead__status=Lead.Status.OPEN) & (
        Q(lead__deadline__isnull=True) | Q(lead__deadline__gte=today)
    )
    return Match.objects.filter(stale=False).filter(open_need | open_lead)


def opportunity_list(*, solution: Solution) -> QuerySet[Match]:
    """Matches of ``solution`` with open (published, not past the deadline) needs and leads."""
    return (
        _open_opportunity_matches()
        .filter(solution=solution)
        .select_related("need", "lead")
        .order_by("-compliant", "-score", "id")
    )


def opportunity_counts(*, solution_ids) -> dict[int, int]:
    """How many open needs and leads each solution matches (as ``opportunity_list`` counts)."""
    rows = (
        _open_opportunity_matches()
        .filter(solution_id__in=list(solution_ids))
        .order_by()
        .values("solution_id")
        .annotate(n=Count("id"))
        .values_list("solution_id", "n")
    )
    return dict(rows)
