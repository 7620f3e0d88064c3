"""Ranking metrics against graded judgements: pure functions, no database."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

RELEVANT = 2  # grade from which a solution counts as relevant (recall, MRR)


def dcg(gains: Sequence[int], k: int) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:k]))


def ndcg(ranking: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """nDCG@k with exponential gain; solutions not judged count as 0."""
    ideal = dcg(sorted(grades.values(), reverse=True), k)
    if ideal == 0:
        return 1.0
    return dcg([grades.get(s, 0) for s in ranking], k) / ideal


def recall(ranking: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    relevant = {s for s, g in grades.items() if g >= RELEVANT}
    if not relevant:
        return 1.0
    return len(relevant & set(ranking[:k])) / len(relevant)


def reciprocal_rank(ranking: Sequence[str], grades: Mapping[str, int]) -> float:
    for i, s in enumerate(ranking):
        if grades.get(s, 0) >= RELEVANT:
            return 1.0 / (i + 1)
    return 0.0


def top5_violations(ranking: Sequence[str], grades: Mapping[str, int], violators: set[str]) -> int:
    """Violators in the top 5 ranked above a compliant solution graded 2 or 3."""
    good_positions = [
        i for i, s in enumerate(ranking) if s not in violators and grades.get(s, 0) >= RELEVANT
    ]
    if not good_positions:
        return 0
    last_good = max(good_positions)
    return sum(1 for i, s in enumerate(ranking[:5]) if s in violators and i < last_good)


@dataclass
class Metrics:
    ndcg5: float
    ndcg10: float
    recall10: float
    mrr: float
    ideal_first: float
    violations: int
    items: int

    def lines(self, label: str) -> list[str]:
        return [
            f"{label}: items={self.items}",
            f"  nDCG@5        {self.ndcg5:.4f}",
            f"  nDCG@10       {self.ndcg10:.4f}",
            f"  recall@10     {self.recall10:.4f}",
            f"  MRR           {self.mrr:.4f}",
            f"  ideal first   {self.ideal_first:.1%}",
            f"  violations@5  {self.violations}",
        ]


def aggregate(
    rankings: Mapping[str, Sequence[str]],
    judgements: Mapping[str, Mapping[str, int]],
    violators: Mapping[str, set[str]],
) -> Metrics:
    """Mean metrics over the items of ``rankings``."""
    items = list(rankings)
    n = len(items) or 1

    def mean(values):
        return sum(values) / n

    return Metrics(
        ndcg5=mean(ndcg(rankings[i], judgements.get(i, {}), 5) for i in items),
        ndcg10=mean(ndcg(rankings[i], judgements.get(i, {}), 10) for i in items),
        recall10=mean(recall(rankings[i], judgements.get(i, {}), 10) for i in items),
        mrr=mean(reciprocal_rank(rankings[i], judgements.get(i, {})) for i in items),
        ideal_first=mean(
            1.0 if rankings[i] and judgements.get(i, {}).get(rankings[i][0], 0) == 3 else 0.0
            for i in items
        ),
        violations=sum(
            top5_violations(rankings[i], judgements.get(i, {}), violators.get(i, set()))
            for i in items
        ),
        items=len(items),
    )
