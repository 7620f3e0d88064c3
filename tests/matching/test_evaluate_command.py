"""The evaluation command runs on the dev set in a throw-away database and prints metrics."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from matching.metrics import ndcg, top5_violations

DEV_SET = Path("/work/shared/data/dev-set.json")


@pytest.mark.slow
@pytest.mark.skipif(not DEV_SET.exists(), reason="the dev set is not on this machine")
def test_evaluate_matching_prints_metrics_and_writes_rankings(tmp_path, capsys):
    out = tmp_path / "rankings.json"
    call_command("evaluate_matching", str(DEV_SET), "--rankings-out", str(out))
    printed = capsys.readouterr().out
    for label in ("nDCG@5", "nDCG@10", "recall@10", "MRR", "ideal first", "violations@5"):
        assert printed.count(label) == 2  # all factors, and text relevance alone
    assert "text relevance alone" in printed
    rankings = json.loads(out.read_text())
    document = json.loads(DEV_SET.read_text())
    assert set(rankings) == {i["id"] for i in document["needs"] + document["leads"]}


def test_ndcg_is_one_for_the_ideal_order_and_less_otherwise():
    grades = {"a": 3, "b": 2, "c": 0}
    assert ndcg(["a", "b", "c"], grades, 10) == 1.0
    assert ndcg(["c", "b", "a"], grades, 10) < 1.0


def test_a_violator_counts_only_above_a_compliant_relevant_solution():
    grades = {"good": 3, "bad": 1}
    assert top5_violations(["bad", "good"], grades, {"bad"}) == 1
    assert top5_violations(["good", "bad"], grades, {"bad"}) == 0
