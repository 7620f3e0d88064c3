"""The jobs API: start (202 + URL), follow, list, retry; nobody sees another person's job."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from jobs.models import Job
from tests.jobs.test_jobs import exchange_document


def doc_file(data, name="doc.json"):
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, raw, content_type="application/json")


def test_starting_a_job_answers_202_with_its_url(client_for, operator_user, drain):
    client = client_for(operator_user)
    response = client.post(
        "/api/v1/jobs/",
        {"kind": "exchange_import", "file": doc_file(exchange_document(2))},
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued"
    assert response["Location"] == body["url"]
    assert body["url"].endswith(f"/api/v1/jobs/{body['id']}/")
    drain()
    followed = client.get(body["url"]).json()
    assert followed["status"] == "done"
    assert followed["progress"] == {"done": 3, "total": 3, "percent": 100.0}
    assert followed["started_by"] == operator_user.pk


def test_other_people_get_404_for_a_job(client_for, operator_user, vendor_user):
    job = Job.objects.create(kind="search_repair", started_by=operator_user)
    assert client_for(vendor_user).get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert client_for(None).get(f"/api/v1/jobs/{job.pk}/").status_code in (401, 403)
    assert client_for(operator_user).get(f"/api/v1/jobs/{job.pk}/").status_code == 200


def test_the_list_shows_only_your_own_jobs(client_for, operator_user, vendor_user):
    mine = Job.objects.create(kind="search_repair", started_by=vendor_user)
    Job.objects.create(kind="search_repair", started_by=operator_user)
    body = client_for(vendor_user).get("/api/v1/jobs/").json()
    assert [item["id"] for item in body["results"]] == [mine.pk]


def test_search_rebuild_is_for_operators_only(client_for, vendor_user, operator_user):
    assert (
        client_for(vendor_user).post("/api/v1/jobs/", {"kind": "search_rebuild"}).status_code == 403
    )
    assert Job.objects.count() == 0
    response = client_for(operator_user).post(
        "/api/v1/jobs/", {"kind": "search_rebuild"}, format="json"
    )
    assert response.status_code == 202


def test_bad_input_is_a_400_naming_the_field(client_for, operator_user):
    client = client_for(operator_user)
    response = client.post("/api/v1/jobs/", {"kind": "format_disk"}, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]
    response = client.post("/api/v1/jobs/", {"kind": "exchange_import"}, format="json")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_retry_endpoint_requeues_a_failed_job(client_for, operator_user, drain):
    client = client_for(operator_user)
    started = client.post(
        "/api/v1/jobs/",
        {"kind": "exchange_import", "file": doc_file(b"[1, 2")},
        format="multipart",
    ).json()
    drain()
    failed = client.get(started["url"]).json()
    assert failed["status"] == "failed" and failed["error"]
    response = client.post(f"/api/v1/jobs/{started['id']}/retry/")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert client.post(f"/api/v1/jobs/{started['id']}/retry/").status_code == 400


def test_job_input_files_are_not_served(client, operator_user, settings, drain):
    from jobs import services

    job = services.job_create(
        kind="exchange_import", actor=operator_user, upload=doc_file(exchange_document(1))
    )
    assert client.get(f"/media/jobs/{job.input_file}").status_code == 404
