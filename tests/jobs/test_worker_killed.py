"""A worker process killed (SIGKILL) mid-job: the job is retried or failed, never stuck running."""

import signal
import time

import pytest

from tests.jobs.test_jobs import exchange_document

pytestmark = pytest.mark.slow
SOLUTIONS = 10


def heavy_document() -> dict:
    """Few solutions (few index commits) but thousands of rows in the import's transaction."""
    document = exchange_document(SOLUTIONS, prefix="big")
    for solution in document["solutions"]:
        solution["pilots"] = [
            {
                "city": f"City {j}",
                "country": "KR",
                "tier": "city",
                "population": 100000 + j,
                "kpis": [
                    {
                        "indicator": f"indicator {m}",
                        "baseline": 100.0,
                        "result": 80.0,
                        "unit": "m",
                        "better": "lower",
                    }
                    for m in range(10)
                ],
            }  # fmt: skip
            for j in range(20)
        ]
    return document


@pytest.fixture
def site(make_site):
    return make_site(JOBS_MAX_ATTEMPTS="2")


def solutions(site) -> int:
    return site.sql("SELECT COUNT(*) FROM catalogue_solution")[0][0]


def start_import_and_kill_worker_mid_job(site) -> int:
    path = site.write_json("big.json", heavy_document())
    started = site.manage(
        "jobs", "start", "exchange_import", str(path), "--actor", "op", "--language", "en"
    )
    job_id = int(started.stdout)
    worker = site.start_worker("worker-1")
    site.wait_for(lambda: site.job(job_id)["status"] == "running", 60, "the job to start")
    # Kill it well inside the import's single transaction, before anything is committed.
    time.sleep(0.3)
    site.stop(worker, sig=signal.SIGKILL)
    assert worker.returncode == -signal.SIGKILL
    state = site.job(job_id)
    assert state["status"] == "running", f"the job ended before the kill; enlarge it: {state}"
    assert solutions(site) == 0, "a killed import must leave nothing half-done"
    return job_id


def test_a_job_whose_worker_was_killed_is_retried_and_completes(site):
    job_id = start_import_and_kill_worker_mid_job(site)
    site.start_worker("worker-2")
    final = site.wait_for(
        lambda: (s := site.job(job_id))["status"] in ("done", "failed") and s, 180, "the retry"
    )
    assert final["status"] == "done", (final, site.log("worker-2"))
    assert final["attempts"] == 2
    assert final["done"] == final["total"] == SOLUTIONS + 1
    assert solutions(site) == SOLUTIONS
    assert site.sql("SELECT COUNT(*) FROM catalogue_kpi")[0][0] == SOLUTIONS * 20 * 10


def test_a_job_killed_on_its_last_attempt_fails_with_a_reason(site):
    site.env["JOBS_MAX_ATTEMPTS"] = "1"
    job_id = start_import_and_kill_worker_mid_job(site)
    site.manage("jobs", "sweep")
    final = site.job(job_id)
    assert final["status"] == "failed"
    assert "stopped without finishing" in final["error"]
    assert "gave up after 1 attempt(s)" in final["error"]
    assert solutions(site) == 0
