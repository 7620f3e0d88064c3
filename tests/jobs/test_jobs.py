"""Jobs run through the real queue (database or Redis) and record how they went."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from catalogue.exchange import export_document
from catalogue.models import Solution
from jobs import services
from jobs.kinds import input_path
from jobs.models import Job
from search.backends import get_backend, reset_backend
from tests.factories import SolutionFactory
from tests.search.test_indexing import plant_index_with_other_fields


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English messages (Korean is the default language)."""
    settings.LANGUAGE_CODE = "en"


def exchange_document(count: int, prefix: str = "s") -> dict:
    vendor = {"id": "v-1", "name": {"en": "Vendor One", "ko": "벤더 원"}, "country": "KR"}
    solutions = [
        {
            "id": f"{prefix}-{n}",
            "vendor": "v-1",
            "name": {"en": f"Smart bin {n}", "ko": f"스마트 쓰레기통 {n}"},
            "summary": {"en": "Fill-level sensing bins", "ko": "적재량 감지 쓰레기통"},
            "category": "waste",
        }
        for n in range(count)
    ]
    return {"format": "smartcity-exchange/1", "vendors": [vendor], "solutions": solutions}


def upload(data, name="doc.json"):
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, raw, content_type="application/json")


def test_exchange_import_job_runs_to_done_with_progress_and_summary(operator_user, drain):
    job = services.job_create(
        kind="exchange_import", actor=operator_user, upload=upload(exchange_document(3))
    )
    assert job.status == "queued"
    assert input_path(job).is_file()
    drain()
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.attempts == 1
    assert job.progress_done == job.progress_total == 4
    assert job.result["created"]["solutions"] == 3
    assert job.started_at <= job.finished_at
    assert Solution.objects.count() == 3


def test_invalid_document_fails_readably_and_stores_nothing(operator_user, drain):
    document = exchange_document(2)
    document["solutions"][1]["vendor"] = "nobody"
    job = services.job_create(kind="exchange_import", actor=operator_user, upload=upload(document))
    drain()
    job.refresh_from_db()
    assert job.status == "failed"
    assert "nothing was stored" in job.error
    assert "solutions[1]" in json.dumps(job.result["errors"])
    assert Solution.objects.count() == 0


def test_failed_job_can_be_retried_after_the_cause_is_fixed(operator_user, drain):
    job = services.job_create(
        kind="exchange_import", actor=operator_user, upload=upload(b"{not json")
    )
    drain()
    job.refresh_from_db()
    assert job.status == "failed"
    input_path(job).write_text(json.dumps(exchange_document(2)))
    services.job_retry(job=job, actor=operator_user)
    drain()
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.attempts == 2
    assert Solution.objects.count() == 2


def test_retrying_a_job_that_is_not_failed_is_refused(operator_user, drain):
    job = services.job_create(
        kind="exchange_import", actor=operator_user, upload=upload(exchange_document(1))
    )
    drain()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.job_retry(job=Job.objects.get(pk=job.pk), actor=operator_user)


def test_search_rebuild_job_indexes_published_solutions(operator_user, drain):
    SolutionFactory.create_batch(3, status="published")
    job = services.job_create(kind="search_rebuild", actor=operator_user)
    drain()
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.result["indexed"] == 3
    assert job.progress_done == 3


def test_search_repair_job_reports_drift(operator_user, drain):
    job = services.job_create(kind="search_repair", actor=operator_user)
    drain()
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert "found" in job.result


def test_export_round_trip_through_a_job_gives_the_same_catalogue(operator_user, drain):
    job = services.job_create(
        kind="exchange_import", actor=operator_user, upload=upload(exchange_document(2))
    )
    drain()
    before = export_document()
    again = services.job_create(
        kind="exchange_import", actor=operator_user, upload=upload(before, "again.json")
    )
    drain()
    again.refresh_from_db()
    assert Job.objects.get(pk=job.pk).status == again.status == "done"
    assert export_document() == before


def test_duplicate_delivery_of_a_finished_job_does_nothing(operator_user, drain):
    from jobs.runner import run_job

    job = services.job_create(
        kind="exchange_import", actor=operator_user, upload=upload(exchange_document(1))
    )
    drain()
    assert run_job(job.pk) == "skipped"
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_a_large_upload_is_refused_naming_the_file(operator_user, settings):
    from django.core.exceptions import ValidationError

    settings.JOBS_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError) as caught:
        services.job_create(
            kind="exchange_import", actor=operator_user, upload=upload(io.BytesIO(b"x" * 50).read())
        )
    assert "file" in caught.value.message_dict


LEAD_COLUMNS = (
    "id,source,url,country,city,buyer,title_en,title_ko,description_en,description_ko,category,"
    "budget_max,budget_currency,financing,required_certifications,deadline"
)


def leads_csv(count: int) -> bytes:
    rows = [LEAD_COLUMNS]
    for n in range(count):
        rows.append(
            f"job-{n},kotra,https://example.org/t/{n},VN,Da Nang,City office,Smart parking {n},"
            f"주차 {n},Parking sensors.,주차 센서,mobility,{100000 + n},USD,mdb,ce,2027-06-30"
        )
    return ("\n".join(rows) + "\n").encode()


def test_agency_lead_csv_import_runs_as_a_job(agency_user, drain):
    from matching.models import Lead

    job = services.job_create(
        kind="leads_csv_import", actor=agency_user, upload=upload(leads_csv(5), "leads.csv")
    )
    drain()
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.result["created"] == 5
    assert job.progress_done == job.progress_total == 10  # 5 rows imported + 5 leads matched
    assert Lead.objects.filter(organisation=agency_user.organisation).count() == 5


def test_a_lead_csv_with_a_bad_row_fails_and_imports_nothing(agency_user, drain):
    from matching.models import Lead

    raw = leads_csv(3).replace(b"VN,Da Nang,City office,Smart parking 1", b"VN,Da Nang,,")
    raw = raw.replace(b",100002,", b",lots,")
    job = services.job_create(
        kind="leads_csv_import", actor=agency_user, upload=upload(raw, "leads.csv")
    )
    drain()
    job.refresh_from_db()
    assert job.status == "failed"
    assert "row" in json.dumps(job.result["errors"])
    assert Lead.objects.count() == 0


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="PostgreSQL refuses a budget its column cannot hold when it is written: no row is "
    "ever stored that cannot be read back",
)
def test_a_lead_unreadable_after_its_import_is_noted_not_reported_as_a_failed_import(
    agency_user, drain, monkeypatch
):
    """The import is committed before matching: a lead that cannot be read back (a budget
    SQLite stored but cannot convert) must not turn the job into a failure with the raw error."""
    from matching import imports
    from matching.models import Lead

    real = imports.leads_import_csv

    def import_then_spoil(*args, **kwargs):
        report = real(*args, **kwargs)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE matching_lead SET budget_max = 1e30")
        return report

    monkeypatch.setattr(imports, "leads_import_csv", import_then_spoil)
    job = services.job_create(
        kind="leads_csv_import", actor=agency_user, upload=upload(leads_csv(2), "leads.csv")
    )
    drain()
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.result["created"] == 2 and len(job.result["match_errors"]) == 2
    assert Lead.objects.count() == 2


def test_match_all_runs_as_an_operator_job(operator_user, drain):
    job = services.job_create(kind="match_all", actor=operator_user)
    drain()
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert set(job.result) >= {"needs", "leads", "matches"}


def test_a_dossier_job_needs_a_registration_the_user_may_see(agency_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.job_create(kind="dossier_export", actor=agency_user, params={"registration": 999})
    assert caught.value.message_dict == {"registration": ["no such registration"]}


def test_search_repair_job_rebuilds_an_index_built_with_other_fields(
    operator_user, drain, settings, tmp_path
):
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    SolutionFactory.create_batch(2, status="published")
    plant_index_with_other_fields(settings.SEARCH_INDEX_DIR)
    try:
        assert get_backend().health()["ok"] is False
        job = services.job_create(kind="search_repair", actor=operator_user)
        drain()
        job.refresh_from_db()
        assert job.status == "done", job.error
        assert job.result == {"rebuilt": 2} and job.progress_done == 2
        assert get_backend().health()["documents"] == 2
    finally:
        reset_backend()  # the next test's backend reads its own index directory
