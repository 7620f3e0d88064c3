"""Faults of the embedded engine (real tantivy): the index deleted, corrupted, locked by a
crashed writer, a rebuild killed half way. The web keeps answering (search 503, the rest
200), the database keeps every change, and check then repair (or rebuild) ends all drift."""

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from catalogue.models import Solution
from search import indexing
from search.backends import reset_backend
from tests.factories import OrganisationFactory, SolutionFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


@pytest.fixture
def indexed(db, django_capture_on_commit_callbacks):
    """A vendor with 30 published solutions, all indexed."""
    vendor = OrganisationFactory(kind="vendor")
    user = UserFactory(organisation=vendor, is_org_admin=True)
    solutions = [
        SolutionFactory(vendor=vendor, status=Solution.Status.PUBLISHED, name_ko=f"침수 센서 {i}")
        for i in range(30)
    ]
    indexing.rebuild()
    assert indexing.check().clean
    return user, solutions


def _current_dir() -> Path:
    base = Path(settings.SEARCH_INDEX_DIR)
    return base / os.readlink(base / "current")


def _web_still_answers(client, user, solution) -> int:
    """Search answers 200 or a clear 503, never 500; the catalogue API answers 200."""
    search = client.get("/api/v1/search/solutions/", {"q": "침수 센서"})
    assert search.status_code in (200, 503), search.content[:300]
    if search.status_code == 503:
        assert "unavailable" in search.json()["detail"]
    assert client.get("/api/v1/solutions/").status_code == 200
    assert client.get(f"/api/v1/solutions/{solution.pk}/").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)
    return search.status_code


def _change_during_fault(client, user, solution, capture) -> str:
    """Edit a published solution through the API while the engine is broken."""
    client.force_login(user)
    new_summary = f"changed during the fault {time.time_ns()}"
    with capture(execute=True):
        response = client.patch(
            f"/api/v1/solutions/{solution.pk}/",
            {"summary_en": new_summary},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content[:300]
    client.logout()
    return new_summary


def _check_then_repair_ends_drift() -> dict:
    """``search_index check``; then ``repair``, or ``rebuild`` when the index cannot be read."""
    reset_backend()  # a fresh process would start like this
    out = io.StringIO()
    try:
        call_command("search_index", "check", "--json", stdout=out)
        drift = json.loads(out.getvalue())
        call_command("search_index", "repair", stdout=io.StringIO())
    except CommandError as exc:
        assert "unavailable" in str(exc)
        drift = {"unreadable": str(exc)}
        call_command("search_index", "rebuild", stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("search_index", "check", "--json", stdout=out)
    after = json.loads(out.getvalue())
    assert after == {"missing": [], "stale": [], "extra": [], "pending": []}, after
    expected = {s.pk for s in Solution.objects.published()}
    from search.backends import get_backend

    assert set(get_backend().indexed_versions()) == expected
    return drift


def test_index_directory_deleted(indexed, client, django_capture_on_commit_callbacks):
    user, solutions = indexed
    shutil.rmtree(settings.SEARCH_INDEX_DIR)
    _web_still_answers(client, user, solutions[0])
    summary = _change_during_fault(client, user, solutions[1], django_capture_on_commit_callbacks)
    assert Solution.objects.get(pk=solutions[1].pk).summary_en == summary
    drift = _check_then_repair_ends_drift()
    assert drift != {"missing": [], "stale": [], "extra": [], "pending": []}
    assert _web_still_answers(client, user, solutions[0]) == 200


def test_search_says_unavailable_rather_than_empty_when_the_index_is_gone(indexed, client):
    user, solutions = indexed
    assert client.get("/api/v1/search/solutions/", {"q": "침수"}).json()["total"] == 30
    shutil.rmtree(settings.SEARCH_INDEX_DIR)
    reset_backend()  # a process starting after the deletion
    assert _web_still_answers(client, user, solutions[0]) == 503
    _check_then_repair_ends_drift()
    assert _web_still_answers(client, user, solutions[0]) == 200
    assert client.get("/api/v1/search/solutions/", {"q": "침수"}).json()["total"] == 30


@pytest.mark.parametrize("target", ["meta.json", "segment"])
def test_index_files_corrupted(indexed, client, django_capture_on_commit_callbacks, target):
    user, solutions = indexed
    directory = _current_dir()
    if target == "meta.json":
        victims = [directory / "meta.json"]
    else:
        victims = [p for p in directory.iterdir() if p.suffix in (".idx", ".term", ".store")]
    assert victims
    for victim in victims:
        # Garbage of the same size put in place by a rename: this process still maps the old
        # files (truncating a mapped file in place kills the process with SIGBUS on its next
        # read), and a process that opens the index from now on reads the garbage.
        garbage = victim.with_name(victim.name + ".garbage")
        garbage.write_bytes(os.urandom(max(victim.stat().st_size, 64)))
        os.replace(garbage, victim)
    reset_backend()  # as a process starting after the corruption
    assert _web_still_answers(client, user, solutions[0]) == 503
    summary = _change_during_fault(client, user, solutions[2], django_capture_on_commit_callbacks)
    assert Solution.objects.get(pk=solutions[2].pk).summary_en == summary
    _check_then_repair_ends_drift()
    assert _web_still_answers(client, user, solutions[0]) == 200


LOCK_HOLDER = textwrap.dedent(
    """
    import sys, time, tantivy
    index = tantivy.Index.open(sys.argv[1])
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    print("locked", flush=True)
    time.sleep(600)
    """
)


def test_writer_lock_left_by_a_crashed_writer(indexed, client, django_capture_on_commit_callbacks):
    user, solutions = indexed
    child = subprocess.Popen(
        [PYTHON, "-c", LOCK_HOLDER, str(_current_dir())], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "locked"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    assert (_current_dir() / ".tantivy-writer.lock").exists()  # the crashed writer's lock file
    _web_still_answers(client, user, solutions[0])
    summary = _change_during_fault(client, user, solutions[3], django_capture_on_commit_callbacks)
    assert Solution.objects.get(pk=solutions[3].pk).summary_en == summary
    _check_then_repair_ends_drift()
    hits = client.get("/api/v1/search/solutions/", {"q": summary.split()[0]})
    assert hits.status_code == 200


# --- a rebuild killed half way: real processes on a database file of their own ---------------

SEED = textwrap.dedent(
    """
    import django, sys
    django.setup()
    from catalogue.models import Organisation, Solution
    vendor = Organisation.objects.create(kind="vendor", name_en="V", name_ko="V", status="approved")
    Solution.objects.bulk_create(
        Solution(vendor=vendor, name_en=f"Flood sensor {i}", name_ko=f"침수 센서 {i}",
                 summary_en="Warns of floods in underpasses " * 20, category="safety",
                 status="published", currency="KRW", trl=8)
        for i in range(int(sys.argv[1]))
    )
    """
)
CHANGE = textwrap.dedent(
    """
    import django
    django.setup()
    from catalogue.models import Solution
    from catalogue.services.solutions import solution_archive
    from django.contrib.auth import get_user_model
    ids = list(Solution.objects.published().order_by("pk").values_list("pk", flat=True)[:5])
    Solution.objects.filter(pk__in=ids[:3]).update(status="archived")
    for s in Solution.objects.filter(pk__in=ids[3:]):
        s.summary_en = "edited while the rebuild was killed"
        s.save()
    print(",".join(map(str, ids)))
    """
)


def _env(tmp_path: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SEARCH_INDEX_DIR=str(tmp_path / "index"),
        SEARCH_BACKEND="search.backends.tantivy.TantivyBackend",
        VAR_DIR=str(tmp_path / "var"),
        LOG_LEVEL="WARNING",
    )
    env.pop("ELASTICSEARCH_URL", None)
    return env


def _manage(env, *args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300, check=check,
    )  # fmt: skip


@pytest.mark.slow
def test_rebuild_killed_half_way(tmp_path):
    env = _env(tmp_path)
    _manage(env, "migrate", "--noinput")
    subprocess.run([PYTHON, "-c", SEED, "3000"], cwd=ROOT, env=env, check=True, timeout=120)
    _manage(env, "search_index", "rebuild")
    assert json.loads(_manage(env, "search_index", "check", "--json").stdout)["missing"] == []

    rebuild = subprocess.Popen(
        [PYTHON, "manage.py", "search_index", "rebuild"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    # Kill it once it has started writing documents (its progress lines go to stderr).
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline and "/" not in line:
        line = rebuild.stderr.readline()
    time.sleep(0.05)
    os.kill(rebuild.pid, signal.SIGKILL)
    rebuild.wait(timeout=10)
    assert rebuild.returncode == -signal.SIGKILL

    changed = subprocess.run(
        [PYTHON, "-c", CHANGE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert len(changed.split(",")) == 5

    check = json.loads(_manage(env, "search_index", "check", "--json").stdout)
    assert check["extra"] or check["stale"], "the edits made meanwhile must show as drift"
    _manage(env, "search_index", "repair")
    after = json.loads(_manage(env, "search_index", "check", "--json").stdout)
    assert after == {"missing": [], "stale": [], "extra": [], "pending": []}
    leftovers = [p.name for p in (tmp_path / "index").glob("index-*")]
    assert len(leftovers) >= 1
