"""A job's messages are in the language of the person who started it, stored as produced."""

import json
import socket

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from jobs.models import Job
from jobs.runner import recover_stale
from matching.imports import CSV_COLUMNS
from matching.models import Lead

# Row 2 has no country and a budget that is not a number.
BAD_CSV = (
    ",".join(CSV_COLUMNS)
    + "\n"
    + ",".join(
        {"title_en": "Parking sensors", "budget_max": "lots"}.get(c, "") for c in CSV_COLUMNS
    )
    + "\n"
).encode()
REASONS = {
    "ko": {
        "row 2, column country": ["필수 항목입니다"],
        "row 2, column budget_max": ["숫자가 아닙니다"],
    },
    "en": {
        "row 2, column country": ["is required"],
        "row 2, column budget_max": ["not a number"],
    },
}
SUMMARY = {
    "ko": "입력에 문제가 2건 있어 아무것도 저장하지 않았습니다. "
    "첫 문제: row 2, column country: 필수 항목입니다",
    "en": "2 problem(s) in the input, nothing was stored; "
    "first: row 2, column country: is required",
}
OTHER = {"ko": "en", "en": "ko"}


def _web(user, language: str | None) -> Client:
    """A signed-in browser; ``language`` is the one picked with the switcher (a cookie)."""
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _api(user, language: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def _upload(user, channel: str, language: str) -> Job:
    upload = SimpleUploadedFile("leads.csv", BAD_CSV, content_type="text/csv")
    if channel == "web":
        # A Korean organisation's user gets Korean until they pick; English is picked.
        client = _web(user, "en" if language == "en" else None)
        response = client.post("/workspace/agency/upload/", {"format": "csv", "file": upload})
        assert response.status_code == 302, response.content[:500]
    else:
        response = _api(user, language).post(
            "/api/v1/leads/import/", {"format": "csv", "file": upload}
        )
        assert response.status_code == 202, response.content[:500]
    return Job.objects.get(started_by=user)


@pytest.mark.parametrize("channel", ["web", "api"])
@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_failed_csv_upload_shows_its_reasons_in_the_uploaders_language(
    agency_user, drain, channel, language
):
    job = _upload(agency_user, channel, language)
    assert job.language == language
    # The worker runs in whatever language it likes; the job runs in its own.
    with translation.override(OTHER[language]):
        drain()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == SUMMARY[language]
    assert job.result == {"errors": REASONS[language]}
    assert not Lead.objects.exists()

    body = _web(agency_user, language).get(f"/jobs/{job.pk}/").content.decode()
    for where, [reason] in REASONS[language].items():
        assert f"<strong>{where}</strong>: {reason}</li>" in body
    assert SUMMARY[language] in body
    for reason in (r for [r] in REASONS[OTHER[language]].values()):
        assert f": {reason}</li>" not in body

    shown = _api(agency_user, language).get(f"/api/v1/jobs/{job.pk}/").json()
    assert shown["language"] == language
    assert shown["error"] == SUMMARY[language]
    assert shown["result"]["errors"] == REASONS[language]


def test_a_jobs_messages_are_not_translated_again_for_another_language(agency_user, drain):
    job = _upload(agency_user, "web", "ko")
    drain()
    # The same person, now reading in English: the page is English, the stored reasons are not.
    body = _web(agency_user, "en").get(f"/jobs/{job.pk}/").content.decode()
    assert "The job failed" in body and "작업이 실패했습니다" not in body
    assert "<strong>row 2, column country</strong>: 필수 항목입니다</li>" in body
    assert SUMMARY["ko"] in body
    shown = _api(agency_user, "en").get(f"/api/v1/jobs/{job.pk}/").json()
    assert shown["language"] == "ko"
    assert shown["error"] == SUMMARY["ko"]
    assert shown["result"]["errors"] == REASONS["ko"]


@pytest.mark.parametrize(
    ("language", "reason"), [("ko", "없습니다(필수)"), ("en", "missing (required)")]
)
def test_an_exchange_import_job_explains_json_paths_in_its_language(
    operator_user, drain, language, reason
):
    document = {"format": "smartcity-exchange/1", "solutions": [{"id": "s-1"}]}
    upload = SimpleUploadedFile("doc.json", json.dumps(document).encode())
    response = _api(operator_user, language).post(
        "/api/v1/jobs/", {"kind": "exchange_import", "file": upload}, format="multipart"
    )
    assert response.status_code == 202, response.json()
    with translation.override(OTHER[language]):
        drain()
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == Job.Status.FAILED
    assert job.result["errors"]["solutions[0].vendor"] == [reason]


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("ko", "이 종류의 작업에는 입력 파일이 필요합니다"),
        ("en", "this kind of job needs an input file"),
    ],
)
def test_an_upload_refused_at_once_answers_in_the_requests_language(agency_user, language, reason):
    response = _api(agency_user, language).post(
        "/api/v1/jobs/", {"kind": "leads_csv_import"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": [reason]}
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("language", "reasons"),
    [
        (
            "ko",
            {
                "format": ["다음 중 하나여야 합니다: exchange, csv, ocds"],
                "file": ["업로드한 파일이 없습니다"],
            },
        ),
        ("en", {"format": ["must be one of exchange, csv, ocds"], "file": ["no file uploaded"]}),
    ],
)
def test_a_lead_upload_refused_at_once_answers_in_the_requests_language(
    agency_user, language, reasons
):
    response = _api(agency_user, language).post("/api/v1/leads/import/", {"format": "xlsx"})
    assert response.status_code == 400
    assert response.json()["errors"] == reasons
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("language", "attempts", "status", "error"),
    [
        ("ko", 1, Job.Status.QUEUED, "다시 시도하는 중: 작업을 실행하던 워커(%s)가 끝내지 못하고"),
        ("en", 1, Job.Status.QUEUED, "retrying: the worker running it (%s) stopped without"),
        ("ko", 3, Job.Status.FAILED, "끝내지 못하고 멈췄습니다. 3번 시도한 뒤 포기했습니다"),
        ("en", 3, Job.Status.FAILED, "stopped without finishing; gave up after 3 attempt(s)"),
    ],
)
def test_a_dead_workers_job_is_explained_in_the_jobs_language(
    agency_user, settings, language, attempts, status, error
):
    settings.JOBS_MAX_ATTEMPTS = 3
    dead = f"{socket.gethostname()}:99999999:"  # no such process on this host
    job = Job.objects.create(
        kind="noop", status=Job.Status.RUNNING, started_by=agency_user, worker=dead,
        attempts=attempts, language=language,
    )  # fmt: skip
    with translation.override(OTHER[language]):
        recover_stale()
    job.refresh_from_db()
    assert job.status == status
    assert (error % dead if "%s" in error else error) in job.error
