"""The agency's lead upload runs as a job whose page shows its progress, report or errors."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jobs import services
from jobs.models import Job
from matching.models import Lead, Match
from search.backends import get_backend, reset_backend
from search.indexing import iter_documents
from tests.factories import OrganisationFactory, SolutionFactory, UserFactory
from tests.jobs.test_jobs import leads_csv


@pytest.fixture
def catalogue(settings, tmp_path):
    """One published mobility solution in a fresh embedded search index."""
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    settings.SEARCH_BACKEND = "search.backends.tantivy.TantivyBackend"
    reset_backend()
    solution = SolutionFactory(status="published", category="mobility")
    get_backend().rebuild(iter_documents())
    yield solution
    reset_backend()


def signed_in(user, language="en") -> Client:
    client = Client()
    client.cookies["django_language"] = language
    client.force_login(user)
    return client


def upload_csv(client, raw: bytes, name="leads.csv"):
    upload = SimpleUploadedFile(name, raw, content_type="text/csv")
    return client.post(reverse("matching:agency-upload"), {"format": "csv", "file": upload})


def test_an_uploaded_csv_becomes_a_job_whose_page_shows_progress_then_the_report(
    agency_user, drain, catalogue
):
    client = signed_in(agency_user)
    response = upload_csv(client, leads_csv(4))
    assert response.status_code == 302
    job = Job.objects.get(started_by=agency_user)
    assert response["Location"] == reverse("job", args=[job.pk])
    assert job.kind == "leads_csv_import" and job.status == "queued"
    assert not Lead.objects.exists()

    page = client.get(response["Location"]).content.decode()
    assert '<progress id="job-progress"' in page
    assert f'data-job-url="/api/v1/jobs/{job.pk}/"' in page
    assert "/static/js/jobs.js" in page and "<script>" not in page  # the CSP forbids inline
    assert ">refresh</a>" in page  # the no-JavaScript fallback
    assert "http-equiv" not in page

    drain()
    job.refresh_from_db()
    assert job.status == "done", job.error
    # One bar over both phases: 4 rows imported, then the 4 open leads matched.
    assert (job.progress_done, job.progress_total) == (8, 8)
    assert job.result["phase"] == "done" and job.result["matched"] == 4
    assert Match.objects.filter(lead__in=job.result["lead_ids"]).count() == 4

    page = client.get(response["Location"]).content.decode()
    assert "4 new and 0 updated leads" in page and "4 leads matched" in page
    assert 'value="8"' in page and ">refresh</a>" not in page
    assert f'href="{reverse("matching:agency")}"' in page
    api = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert api["status"] == "done" and api["result"]["created"] == 4
    assert api["progress"] == {"done": 8, "total": 8, "percent": 100.0}


def test_a_failing_csv_shows_the_errors_and_a_retry_button_and_imports_nothing(agency_user, drain):
    client = signed_in(agency_user)
    raw = (
        leads_csv(3).replace(b",100001,USD,", b",lots,USD,").replace(b"2027-06-30\n", b"soon\n", 1)
    )
    response = upload_csv(client, raw)
    drain()
    job = Job.objects.get(started_by=agency_user)
    assert job.status == "failed"
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in page
    assert "row 3, column budget_max" in page and "not a number" in page
    assert "row 2, column deadline" in page
    assert f'action="{reverse("job-retry-web", args=[job.pk])}"' in page
    assert not Lead.objects.exists()

    # Retry queues it again (the input file is kept); it fails again the same way.
    retried = client.post(reverse("job-retry-web", args=[job.pk]))
    assert retried.status_code == 302
    job.refresh_from_db()
    assert job.status == "queued"
    drain()
    job.refresh_from_db()
    assert job.status == "failed" and job.attempts == 2
    assert not Lead.objects.exists()


def test_another_user_cannot_see_or_retry_the_job(agency_user, drain):
    response = upload_csv(signed_in(agency_user), b"country,title_en\nVN\n")
    drain()
    job = Job.objects.get(started_by=agency_user)
    colleague = UserFactory(organisation=agency_user.organisation)
    stranger = UserFactory(organisation=OrganisationFactory(kind="agency"))
    for user in (colleague, stranger):
        client = signed_in(user)
        assert client.get(response["Location"]).status_code == 404
        assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
        assert client.post(reverse("job-retry-web", args=[job.pk])).status_code == 404
    assert Client().get(response["Location"]).status_code == 302  # anonymous: sign in first
    job.refresh_from_db()
    assert job.status == "failed" and job.attempts == 1


def test_a_job_stopped_while_matching_resumes_without_importing_again(
    agency_user, drain, catalogue
):
    """A worker killed after the import committed: the next attempt only matches."""
    response = upload_csv(signed_in(agency_user), leads_csv(2))
    job = Job.objects.get(started_by=agency_user)
    drain()
    job.refresh_from_db()
    first = dict(job.result)
    Match.objects.all().delete()
    # What the job looks like when its worker died in the matching phase and it was requeued.
    imported = {k: first[k] for k in ("created", "updated", "warnings", "lead_ids")}
    Job.objects.filter(pk=job.pk).update(
        status="queued", result={"phase": "matching", "import": imported}
    )
    services.job_enqueue(job)
    drain()
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert Lead.objects.count() == 2 and job.result["created"] == 2
    assert Match.objects.filter(lead__in=imported["lead_ids"]).count() == 2
    assert response.status_code == 302


def test_the_job_page_says_the_phase_while_matching(agency_user):
    job = Job.objects.create(
        kind="leads_csv_import",
        started_by=agency_user,
        status="running",
        progress_done=5,
        progress_total=8,
        result={"phase": "matching", "import": {"created": 5, "updated": 0, "warnings": []}},
    )
    page = signed_in(agency_user).get(reverse("job", args=[job.pk])).content.decode()
    assert "Matching the imported leads" in page
    assert re.search(r'<progress id="job-progress" max="8" value="5"', page)
    assert "5 of 8" in page and "5 new and 0 updated leads" in page
    korean = signed_in(agency_user, "ko").get(reverse("job", args=[job.pk])).content.decode()
    assert "가져온 리드를 매칭하는 중" in korean


def test_the_upload_form_keeps_the_agency_page_for_a_missing_file(agency_user):
    response = signed_in(agency_user).post(reverse("matching:agency-upload"), {"format": "csv"})
    assert response.status_code == 400 and not Job.objects.exists()
