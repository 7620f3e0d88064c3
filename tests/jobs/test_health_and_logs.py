"""/healthz reports each dependency; logs are JSON lines carrying the request id."""

import json
import logging

import pytest

from config.logging import JsonFormatter, RequestIdFilter


@pytest.mark.django_db
def test_healthz_reports_database_search_and_queue(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["ok"] is True
    assert set(body["checks"]) == {"database", "search", "queue"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_healthz_is_503_when_the_search_index_is_broken(client, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.SEARCH_INDEX_DIR = blocker / "index"
    from search import backends

    backends.reset_backend()
    try:
        response = client.get("/healthz")
    finally:
        backends.reset_backend()
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["search"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_a_given_request_id_is_returned_and_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="sce.access"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    access = [r for r in caplog.records if r.name == "sce.access"]
    assert access and access[-1].status == 200
    line = json.loads(JsonFormatter().format(_filtered(access[-1])))
    assert line["request_id"] == "abc-123"
    assert line["path"] == "/healthz"


@pytest.mark.django_db
def test_a_request_id_is_made_when_none_or_a_strange_one_is_sent(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert len(first) == 32 and len(second) == 32 and first != second


def test_log_lines_are_single_json_objects():
    record = logging.makeLogRecord(
        {"name": "x", "levelname": "ERROR", "msg": "two\nlines %s", "args": ("ok",), "job_id": 7}
    )
    text = JsonFormatter().format(_filtered(record))
    assert "\n" not in text
    parsed = json.loads(text)
    assert parsed["message"] == "two\nlines ok"
    assert parsed["job_id"] == 7
    assert parsed["request_id"] == "-"


def _filtered(record):
    RequestIdFilter().filter(record)
    return record
