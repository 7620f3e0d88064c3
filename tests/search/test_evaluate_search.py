"""evaluate_search runs on the dev set and prints its metrics beside plain BM25's."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

DEV_SET = Path(settings.BASE_DIR).parent / "shared" / "data" / "dev-set.json"


@pytest.mark.slow
@pytest.mark.skipif(not DEV_SET.is_file(), reason="the dev set is not on this machine")
def test_evaluate_search_prints_metrics_and_writes_rankings(tmp_path, capsys):
    out = tmp_path / "rankings.json"
    call_command("evaluate_search", str(DEV_SET), "--rankings-out", str(out))
    printed = capsys.readouterr().out
    for label in ("search", "plain BM25"):
        assert re.search(rf"^{label}\s+\d\.\d{{3}}\s+\d\.\d{{3}}\s+\d\.\d{{3}}$", printed, re.M)
    rankings = json.loads(out.read_text())
    queries = json.loads(DEV_SET.read_text())["queries"]
    assert set(rankings) == {q["id"] for q in queries}
    assert all(len(ids) <= 10 for ids in rankings.values())
