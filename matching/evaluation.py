"""Offline evaluation of the matcher against graded judgements (smartcity-exchange/1).

The metric functions are pure; ``evaluate_loaded`` runs the matcher on the needs and leads
already in the database (the command loads them into a throw-away database first).
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from catalogue.models import Solution

from . import selectors
from .metrics import aggregate
from .models import Lead, Need
from .scoring import MatchScore
from .services import score_candidates, shortlist


def judgements_by_item(document: dict) -> dict[str, dict[str, int]]:
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    for j in document.get("judgements", []):
        grades[j["for"]][j["solution"]] = j["grade"]
    return dict(grades)


def evaluate_loaded(document: dict) -> dict:
    """Match every need and lead of ``document`` (already imported); rankings and metrics."""
    today = timezone.localdate()
    public_ids = dict(Solution.objects.values_list("id", "exchange_id"))
    targets = []
    for item in document.get("needs", []):
        need = Need.objects.select_related("organisation").get(exchange_id=item["id"])
        targets.append((item["id"], selectors.need_profile(need), selectors.query_texts(need)))
    for item in document.get("leads", []):
        lead = Lead.objects.get(exchange_id=item["id"])
        targets.append((item["id"], selectors.lead_profile(lead), selectors.query_texts(lead)))

    full: dict[str, list[str]] = {}
    text_only: dict[str, list[str]] = {}
    violators: dict[str, set[str]] = {}
    for item_id, profile, texts in targets:
        ranked: list[MatchScore] = score_candidates(profile, texts, today=today, explain_top=0)
        ids = {r.solution_id: public_ids.get(r.solution_id) or f"s-{r.solution_id}" for r in ranked}
        full[item_id] = [ids[r.solution_id] for r in shortlist(ranked)]
        by_text = sorted(ranked, key=lambda r: (-r.relevance, r.solution_id))
        text_only[item_id] = [ids[r.solution_id] for r in by_text]
        violators[item_id] = {ids[r.solution_id] for r in ranked if not r.compliant}
    grades = judgements_by_item(document)
    return {
        "rankings": full,
        "metrics": aggregate(full, grades, violators),
        "text_metrics": aggregate(text_only, grades, violators),
        "need_ids": [i["id"] for i in document.get("needs", [])],
        "lead_ids": [i["id"] for i in document.get("leads", [])],
    }
