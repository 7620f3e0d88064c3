"""Writes for matching: run the two-stage matcher, store matches, move them through statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalogue.models import Solution
from search.backends import get_backend
from search.types import SearchQuery

from . import selectors
from . import weights as W
from .models import Lead, Match, MatchEvent, Need
from .scoring import MatchScore, TargetProfile, rank, score_match, with_explanation

MATCHES_KEPT = 50  # stored per need or lead; decisions on others are kept too


def _search(backend, text: str) -> dict[int, float]:
    """One query; scores divided by the best one (so 1 is the best match of this query)."""
    result = backend.search(
        SearchQuery(text=text, page_size=W.CANDIDATES_PER_QUERY, facets=False, highlight=False)
    )
    top = max((hit.score for hit in result.hits), default=0.0)
    if top <= 0:
        return {}
    return {hit.solution_id: (hit.score / top) ** W.TEXT_EXPONENT for hit in result.hits}


def _merge(per_query: list[dict[int, float]]) -> dict[int, float]:
    """Best normalised score per solution, plus a little when another query agrees."""
    merged: dict[int, float] = {}
    for scores in per_query:
        for sid, value in scores.items():
            merged[sid] = max(merged.get(sid, 0.0), value)
    if len(per_query) > 1:
        for sid in merged:
            values = sorted((q.get(sid, 0.0) for q in per_query), reverse=True)
            merged[sid] = 0.8 * values[0] + 0.2 * values[1]
    return merged


def retrieve(texts: list[str], *, category: str = "") -> dict[int, float]:
    """Stage 1: candidates from the search engine, one query per language, then feedback.

    The best few matches' own words (both languages: names, summaries, tags) are searched
    again, so a product described only in other words or another language is still found
    (pseudo-relevance feedback); those hits count at ``FEEDBACK_WEIGHT``.
    """
    backend = get_backend()
    first = _merge([q for q in (_search(backend, text) for text in texts) if q])
    if not first or W.FEEDBACK_DOCS <= 0:
        return first
    best = sorted(first, key=lambda sid: -first[sid])[: W.FEEDBACK_DOCS * 3]
    rows = Solution.objects.filter(id__in=best).values(
        "id", "category", "name_en", "name_ko", "summary_en", "summary_ko", "tags"
    )
    rows = sorted(rows, key=lambda r: -first[r["id"]])
    if category:
        rows = [r for r in rows if r["category"] == category] or rows
    feedback_texts = []
    for lang in ("en", "ko"):
        words = " ".join(
            f"{r[f'name_{lang}']} {r[f'summary_{lang}']} "
            + (" ".join(t.replace("-", " ") for t in r["tags"]) if lang == "en" else "")
            for r in rows[: W.FEEDBACK_DOCS]
        ).strip()
        if words:
            feedback_texts.append(words)
    for text in feedback_texts:
        for sid, value in _search(backend, text).items():
            first[sid] = max(first.get(sid, 0.0), W.FEEDBACK_WEIGHT * value)
    return first


def score_candidates(
    target: TargetProfile,
    texts: list[str],
    *,
    today: dt.date | None = None,
    explain_top: int | None = None,
    explain_ids: frozenset[int] = frozenset(),
) -> list[MatchScore]:
    """Stage 1 and 2 without writing: the ranked scores for ``target``.

    Explanations are written for the first ``explain_top`` (all when None) and for
    ``explain_ids``; building them for hundreds of candidates nobody reads is most of the cost.
    """
    today = today or timezone.localdate()
    relevance = retrieve(texts, category=target.category)
    profiles = selectors.solution_profiles(relevance)
    rates = selectors.rates_on(today)
    ranked = rank(
        score_match(
            target, profile, text=relevance[sid], rates=rates, today=today, explain_it=False
        )
        for sid, profile in profiles.items()
    )
    return [
        with_explanation(s, target, profiles[s.solution_id], rates=rates, today=today)
        if explain_top is None or position < explain_top or s.solution_id in explain_ids
        else s
        for position, s in enumerate(ranked)
    ]


def shortlist(ranked: list[MatchScore]) -> list[MatchScore]:
    """The matches among ranked candidates: those scoring near enough to the best one."""
    best = max((s.score for s in ranked), default=0.0)
    return [s for s in ranked if s.score >= W.MIN_RELATIVE_SCORE * best]


def _store(ranked: list[MatchScore], *, need: Need | None = None, lead: Lead | None = None):
    rows = Match.objects.filter(need=need) if need is not None else Match.objects.filter(lead=lead)
    existing = {m.solution_id: m for m in rows}
    kept = ranked[:MATCHES_KEPT]
    kept_ids = {s.solution_id for s in kept}
    kept += [s for s in ranked[MATCHES_KEPT:] if s.solution_id in existing]
    to_create, to_update = [], []
    for position, result in enumerate(kept, start=1):
        fields = {
            "rank": position,
            "score": result.score,
            "text_score": result.factors["text"].value,
            "compliant": result.compliant,
            "violations": list(result.violations),
            "breakdown": result.breakdown(),
            "explanation_en": result.explanation_en,
            "explanation_ko": result.explanation_ko,
            "stale": False,
        }
        match = existing.get(result.solution_id)
        if match is None:
            to_create.append(Match(need=need, lead=lead, solution_id=result.solution_id, **fields))
        else:
            for name, value in fields.items():
                setattr(match, name, value)
            to_update.append(match)
    seen = kept_ids | {m.solution_id for m in to_update}
    for sid, match in existing.items():
        if sid not in seen and not match.stale:
            match.stale = True
            to_update.append(match)
    Match.objects.bulk_create(to_create)
    if to_update:
        Match.objects.bulk_update(
            to_update,
            [
                "rank",
                "score",
                "text_score",
                "compliant",
                "violations",
                "breakdown",
                "explanation_en",
                "explanation_ko",
                "stale",
                "updated_at",
            ],
        )


@transaction.atomic
def need_match(*, need: Need, today: dt.date | None = None) -> list[Match]:
    """Match ``need`` against the published catalogue; keeps decisions already made."""
    ranked = score_candidates(
        selectors.need_profile(need),
        selectors.query_texts(need),
        today=today,
        explain_top=MATCHES_KEPT,
        explain_ids=frozenset(
            Match.objects.filter(need=need).values_list("solution_id", flat=True)
        ),
    )
    _store(ranked, need=need)
    return list(selectors.match_list(need=need))


@transaction.atomic
def lead_match(*, lead: Lead, today: dt.date | None = None) -> list[Match]:
    """Match ``lead`` against the published catalogue; keeps decisions already made."""
    ranked = score_candidates(
        selectors.lead_profile(lead),
        selectors.query_texts(lead),
        today=today,
        explain_top=MATCHES_KEPT,
        explain_ids=frozenset(
            Match.objects.filter(lead=lead).values_list("solution_id", flat=True)
        ),
    )
    _store(ranked, lead=lead)
    return list(selectors.match_list(lead=lead))


def solution_opportunities(*, solution: Solution, refresh: bool = True) -> list[Match]:
    """Reverse matching: the open needs and leads ``solution`` matches, best first.

    With ``refresh`` the open needs and leads are matched again first, so a new or changed
    solution shows up with up-to-date scores and explanations.
    """
    if refresh and solution.status == Solution.Status.PUBLISHED:
        for need in selectors.open_needs():
            need_match(need=need)
        for lead in selectors.open_leads():
            lead_match(lead=lead)
    return list(selectors.opportunity_list(solution=solution))


ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Match.Status.SUGGESTED: {Match.Status.SHORTLISTED, Match.Status.DECLINED},
    Match.Status.SHORTLISTED: {
        Match.Status.CONTACTED,
        Match.Status.DECLINED,
        Match.Status.SUGGESTED,
    },
    Match.Status.CONTACTED: {Match.Status.PROPOSAL, Match.Status.DECLINED},
    Match.Status.PROPOSAL: {Match.Status.REGISTERED, Match.Status.DECLINED},
    Match.Status.REGISTERED: set(),
    Match.Status.DECLINED: {Match.Status.SUGGESTED},
}


def user_owns_target(user, match: Match) -> bool:
    """The buyer's organisation for a need; the agency that holds a lead (or any agency)."""
    if user.is_operator():
        return True
    if match.need_id:
        return (
            user.organisation_id is not None and match.need.organisation_id == user.organisation_id
        )
    if user.kind != "agency":
        return False
    return match.lead.organisation_id in (None, user.organisation_id)


@transaction.atomic
def match_set_status(*, match: Match, status: str, user, reason: str = "") -> Match:
    """Move ``match`` to ``status`` (declining needs a reason); records who did it."""
    match = (
        Match.objects.select_for_update(of=("self",))
        .select_related("need", "lead")
        .get(pk=match.pk)
    )
    if not user_owns_target(user, match):
        raise PermissionDenied("Only the buyer or the agency holding the lead may decide.")
    if status not in Match.Status.values:
        raise ValidationError({"status": [f"Unknown status {status!r}."]})
    if status not in ALLOWED_TRANSITIONS[match.status]:
        raise ValidationError({"status": [f"A {match.status} match cannot become {status}."]})
    if status == Match.Status.DECLINED and not reason.strip():
        raise ValidationError({"reason": ["Say why the match is declined."]})
    MatchEvent.objects.create(
        match=match, from_status=match.status, to_status=status, reason=reason, actor=user
    )
    match.status = status
    match.decline_reason = reason if status == Match.Status.DECLINED else ""
    match.status_changed_by = user
    match.status_changed_at = timezone.now()
    match.save(
        update_fields=[
            "status",
            "decline_reason",
            "status_changed_by",
            "status_changed_at",
            "updated_at",
        ]
    )
    return match


# -- needs and leads ---------------------------------------------------------------------------

NEED_FIELDS = (
    "title_ko", "title_en", "description_ko", "description_en", "category", "budget_max",
    "budget_currency", "required_certifications", "deadline", "procurement_method",
)  # fmt: skip
LEAD_FIELDS = (
    "source", "url", "country", "city", "buyer", "title_ko", "title_en", "description_ko",
    "description_en", "category", "budget_max", "budget_currency", "financing",
    "required_certifications", "deadline", "status",
)  # fmt: skip


def _require_kind(user, kind: str) -> None:
    if not (user.is_authenticated and (user.kind == kind or user.is_operator())):
        raise PermissionDenied(f"Only {kind} users may do this.")


def _apply(instance, data: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: ["Unknown or read-only field."] for name in unknown})
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=["organisation", "created_by", "exchange_id"])


@transaction.atomic
def need_create(*, user, data: dict) -> Need:
    """A municipality user posts a need for its organisation (a draft until published)."""
    _require_kind(user, "municipality")
    org = user.organisation
    need = Need(
        organisation=org,
        created_by=user,
        buyer_name=org.name,
        buyer_country=org.country,
        buyer_tier=org.tier,
        buyer_population=org.population,
    )
    _apply(need, data, NEED_FIELDS)
    need.save()
    return need


def _require_need_owner(user, need: Need) -> None:
    if not (user.is_operator() or need.organisation_id == user.organisation_id):
        raise PermissionDenied("Only the buyer's organisation may change this need.")


@transaction.atomic
def need_update(*, user, need: Need, data: dict) -> Need:
    """Change a need; a published need is matched again."""
    _require_need_owner(user, need)
    _apply(need, data, NEED_FIELDS)
    need.save()
    if need.status == Need.Status.PUBLISHED:
        need_match(need=need)
    return need


@transaction.atomic
def need_publish(*, user, need: Need) -> Need:
    """Publish a need (vendors can see it from now on) and match it."""
    _require_need_owner(user, need)
    need.status = Need.Status.PUBLISHED
    need.published_at = timezone.now()
    need.save(update_fields=["status", "published_at", "updated_at"])
    need_match(need=need)
    return need


@transaction.atomic
def lead_create(*, user, data: dict) -> Lead:
    """An export-agency user enters a lead; it is matched at once."""
    _require_kind(user, "agency")
    lead = Lead(organisation=user.organisation, created_by=user)
    _apply(lead, data, LEAD_FIELDS)
    lead.save()
    lead_match(lead=lead)
    return lead


@transaction.atomic
def lead_update(*, user, lead: Lead, data: dict) -> Lead:
    """Change a lead (its agency or the operator) and match it again."""
    _require_kind(user, "agency")
    if not (user.is_operator() or lead.organisation_id in (None, user.organisation_id)):
        raise PermissionDenied("Only the agency holding the lead may change it.")
    _apply(lead, data, LEAD_FIELDS)
    lead.save()
    lead_match(lead=lead)
    return lead


# -- batch and automatic re-matching ------------------------------------------------------------


def match_all(
    *,
    progress: Callable[[int, int], None] | None = None,
    needs: bool = True,
    leads: bool = True,
) -> dict:
    """Match every open published need and open lead again; safe to re-run (decisions kept)."""
    need_ids = list(selectors.open_needs().values_list("id", flat=True)) if needs else []
    lead_ids = list(selectors.open_leads().values_list("id", flat=True)) if leads else []
    total, done = len(need_ids) + len(lead_ids), 0
    counts = {"needs": 0, "leads": 0, "matches": 0}
    today = timezone.localdate()
    for model, ids, run, key in (
        (Need, need_ids, need_match, "needs"),
        (Lead, lead_ids, lead_match, "leads"),
    ):
        for item in model.objects.filter(id__in=ids).select_related("organisation").iterator():
            matches = run(**{model.__name__.lower(): item, "today": today})
            counts[key] += 1
            counts["matches"] += len(matches)
            done += 1
            if progress:
                progress(done, total)
    if progress and total == 0:
        progress(0, 0)
    return counts


def solution_changed(solution_id: int) -> dict:
    """Re-match the open needs and leads a changed (or unpublished) solution concerns.

    Affected: those that already hold a match with it, plus, when it is published, those in
    its category (where it may newly rank). Call after the index is synced (after commit).
    """
    solution = Solution.objects.filter(pk=solution_id).only("id", "category", "status").first()
    need_filter = Q(matches__solution_id=solution_id)
    lead_filter = Q(matches__solution_id=solution_id)
    if solution is not None and solution.status == Solution.Status.PUBLISHED:
        need_filter |= Q(category=solution.category)
        lead_filter |= Q(category=solution.category) | Q(category="")
    needs = selectors.open_needs().filter(need_filter).distinct()
    leads = selectors.open_leads().filter(lead_filter).distinct()
    counts = {"needs": 0, "leads": 0}
    for need in needs:
        need_match(need=need)
        counts["needs"] += 1
    for lead in leads:
        lead_match(lead=lead)
        counts["leads"] += 1
    return counts


def solution_changed_on_commit(solution_id: int) -> None:
    """Call inside a solution write's transaction: re-match after commit (and re-indexing)."""
    transaction.on_commit(lambda: solution_changed(solution_id))
