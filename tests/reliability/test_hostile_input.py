"""Corrupted exchange files are refused with their errors and change nothing; typed text is
shown escaped in pages, search highlights and exports."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from catalogue.exchange import FORMAT, dump_document, export_document
from catalogue.models import Certification, Kpi, Organisation, Pilot, Solution, User
from search import indexing
from tests.factories import (
    CertificationFactory,
    KpiFactory,
    OrganisationFactory,
    PilotFactory,
    SolutionFactory,
)

SCRIPT = '<script>alert("xss")</script>'


def _snapshot() -> tuple:
    """Everything an import could change: a full export and the row counts."""
    counts = tuple(
        m.objects.count() for m in (Organisation, User, Solution, Certification, Pilot, Kpi)
    )
    return dump_document(export_document(include_unpublished=True)), counts


@pytest.fixture
def catalogue_state(db):
    vendor = OrganisationFactory(kind="vendor", exchange_id="v-base")
    for status in Solution.Status.values:
        solution = SolutionFactory(vendor=vendor, status=status)
        CertificationFactory(solution=solution)
        KpiFactory(pilot=PilotFactory(solution=solution))
    return _snapshot()


def _valid_document() -> dict:
    return {
        "format": FORMAT,
        "vendors": [
            {"id": "v-new", "name": {"en": "New Vendor", "ko": "새 업체"}, "country": "KR"}
        ],
        "solutions": [
            {
                "id": f"s-new-{i}",
                "vendor": "v-new",
                "name": {"en": f"Flood sensor {i}", "ko": f"침수 센서 {i}"},
                "summary": {"en": "Warns of floods.", "ko": "침수를 알립니다."},
                "category": "safety",
                "trl": 8,
            }
            for i in range(3)
        ],
    }


def _hostile_files() -> dict[str, bytes]:
    good = dump_document(_valid_document())
    doc_dup = _valid_document()
    doc_dup["solutions"][2]["id"] = doc_dup["solutions"][0]["id"]
    doc_many = _valid_document()
    template = doc_many["solutions"][0]
    doc_many["solutions"] = [{**template, "id": f"s-bad-{i}", "trl": 99} for i in range(10_000)]
    bad_bom = _valid_document()
    bad_bom["solutions"][1]["category"] = "not-a-category"
    return {
        "truncated": good.encode()[: len(good.encode()) // 2],
        "truncated-in-string": good.encode()[: good.encode().index("침수".encode()) + 3],
        "cp949": good.encode("cp949"),
        "utf-16": good.encode("utf-16"),
        "bom-with-bad-content": b"\xef\xbb\xbf" + dump_document(bad_bom).encode(),
        "duplicated-ids": dump_document(doc_dup).encode(),
        "duplicated-keys": good.replace('"trl": 8', '"trl": 8, "trl": 7', 1).encode(),
        "10000-errors": dump_document(doc_many).encode(),
        "empty": b"",
        "not-an-object": b"[1, 2, 3]",
        "nan": good.replace('"trl": 8', '"trl": NaN', 1).encode(),
        "binary-garbage": bytes(range(256)) * 4,
    }


HOSTILE = sorted(_hostile_files())


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_exchange_file_is_refused_with_errors_and_changes_nothing(
    name, catalogue_state, tmp_path
):
    path = tmp_path / f"{name}.json"
    path.write_bytes(_hostile_files()[name])
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("import_exchange", str(path), stderr=stderr, stdout=io.StringIO())
    lines = [line for line in stderr.getvalue().splitlines() if line.strip()]
    assert lines, "the problems must be listed"
    assert all(":" in line for line in lines if not line.startswith("…"))
    assert _snapshot() == catalogue_state


def test_ten_thousand_errors_are_listed_up_to_the_cap_with_a_count(catalogue_state, tmp_path):
    path = tmp_path / "many.json"
    path.write_bytes(_hostile_files()["10000-errors"])
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="10000 problem"):
        call_command("import_exchange", str(path), stderr=stderr, stdout=io.StringIO())
    lines = stderr.getvalue().splitlines()
    assert lines[0].startswith("solutions[0].trl")
    assert lines[-1] == "… and 9000 more"
    assert _snapshot() == catalogue_state


def test_cp949_file_is_named_as_such(catalogue_state, tmp_path):
    path = tmp_path / "cp949.json"
    path.write_bytes(_hostile_files()["cp949"])
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_exchange", str(path), stderr=stderr, stdout=io.StringIO())
    assert "CP949" in stderr.getvalue()


def test_utf8_with_bom_is_read_when_otherwise_valid(catalogue_state, tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + dump_document(_valid_document()).encode())
    call_command("import_exchange", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Solution.objects.filter(exchange_id__startswith="s-new-").count() == 3


# --- typed text is shown escaped ---------------------------------------------------------------


@pytest.fixture
def scripted_solution(db):
    solution = SolutionFactory(
        status=Solution.Status.PUBLISHED,
        name_ko=f"침수 경보 {SCRIPT}",
        summary_ko=f"침수 센서 {SCRIPT} 요약",
        description_ko=f"침수 센서가 {SCRIPT} 경보를 보냅니다 <img src=x onerror=alert(1)>",
        name_en=f"Flood alarm {SCRIPT}",
        summary_en=f"Flood {SCRIPT} sensor",
    )
    indexing.rebuild()
    return solution


def test_script_in_korean_text_is_escaped_on_the_solution_page(client, scripted_solution):
    response = client.get(f"/solutions/{scripted_solution.pk}/", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert" in body


def test_script_in_korean_text_is_escaped_in_search_page_and_api_highlights(
    client, scripted_solution
):
    page = client.get("/search/", {"q": "침수 센서"}, HTTP_ACCEPT_LANGUAGE="ko")
    assert page.status_code == 200
    body = page.content.decode()
    assert scripted_solution.name_en in page.content.decode() or "침수" in body
    assert "<script>alert" not in body and "<img src=x" not in body

    api = client.get("/api/v1/search/solutions/", {"q": "침수 센서"})
    assert api.status_code == 200
    results = api.json()["results"]
    assert results, "the solution must be found for the highlights to be checked"
    fragments = [
        fragment
        for result in results
        for values in (result.get("highlights") or {}).values()
        for fragment in values
    ]
    assert fragments
    for fragment in fragments:
        stripped = fragment.replace("<b>", "").replace("</b>", "")
        assert "<" not in stripped, fragment


def test_script_survives_as_data_in_the_exchange_export(scripted_solution):
    document = json.loads(dump_document(export_document()))
    item = next(s for s in document["solutions"] if s["name"]["ko"].startswith("침수 경보"))
    assert SCRIPT in item["description"]["ko"]  # JSON is data: kept exactly, escaped by readers


@pytest.mark.parametrize("name", ["truncated", "cp949", "duplicated-ids", "10000-errors"])
def test_hostile_exchange_upload_through_the_jobs_api_fails_cleanly(
    name, transactional_db, settings
):
    from rest_framework.test import APIClient

    from jobs.models import Job
    from jobs.runner import run_job
    from tests.factories import UserFactory

    settings.JOBS_HEARTBEAT_SECONDS = 0.05
    vendor = OrganisationFactory(kind="vendor", exchange_id="v-base")
    SolutionFactory(vendor=vendor, status=Solution.Status.PUBLISHED)
    before = _snapshot()
    operator = UserFactory(organisation=OrganisationFactory(kind="operator"))
    client = APIClient()
    client.force_authenticate(operator)
    upload = io.BytesIO(_hostile_files()[name])
    upload.name = f"{name}.json"
    response = client.post("/api/v1/jobs/", {"kind": "exchange_import", "file": upload})
    assert response.status_code == 202, response.content[:300]
    job = Job.objects.get(pk=response.json()["id"])
    if job.status == Job.Status.QUEUED:
        run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error and job.result.get("errors"), (job.error, job.result)
    detail = client.get(f"/api/v1/jobs/{job.pk}/")
    assert detail.status_code == 200 and detail.json()["status"] == "failed"
    assert _snapshot()[0] == before[0]
    assert _snapshot()[1][2:] == before[1][2:]  # solutions and their evidence untouched
