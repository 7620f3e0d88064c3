"""The documented backup and restore give back the same catalogue (docs/deployment.md)."""

import json

import pytest

from tests.jobs.test_jobs import exchange_document

pytestmark = pytest.mark.slow
DUMP = [
    "dumpdata", "--natural-foreign", "--natural-primary", "--indent", "0",
    "-e", "contenttypes", "-e", "auth.permission", "-e", "sessions", "-e", "admin.logentry",
    "-e", "django_tasks_database", "-e", "django_rq",
]  # fmt: skip


def catalogue_document() -> dict:
    document = exchange_document(6, prefix="b")
    document["solutions"][0].update(
        trl=8,
        price={"min": 1000, "max": 2500.5, "currency": "USD", "model": "project"},
        certifications=[{"type": "gs", "number": "GS-1", "valid_from": "2024-01-01"}],
        pilots=[
            {
                "city": "Gimhae", "country": "KR", "tier": "city", "population": 530000,
                "kpis": [{"indicator": "fill level", "baseline": 120.0, "result": 80.5,
                          "unit": "%", "better": "lower"}],
            }
        ],
    )  # fmt: skip
    return document


def test_dumpdata_backup_restores_the_same_catalogue_and_index(make_site, tmp_path):
    source, target = make_site("source"), make_site("target")
    source.manage("import_exchange", str(source.write_json("doc.json", catalogue_document())))
    before = source.manage("export_exchange", "--all").stdout
    backup = tmp_path / "backup.json"
    backup.write_text(source.manage(*DUMP).stdout)

    target.manage("loaddata", str(backup))
    target.manage("search_index", "rebuild")
    after = target.manage("export_exchange", "--all").stdout
    assert json.loads(after) == json.loads(before)
    assert len(json.loads(after)["solutions"]) == 6
    drift = json.loads(target.manage("search_index", "check", "--json").stdout)
    assert not any(drift.values()), drift


def test_exchange_export_moves_the_catalogue_to_a_new_installation(make_site, tmp_path):
    source, target = make_site("source"), make_site("target")
    source.manage("import_exchange", str(source.write_json("doc.json", catalogue_document())))
    exported = source.manage("export_exchange", "--all").stdout
    target.manage("import_exchange", str(target.write_json("moved.json", json.loads(exported))))
    assert json.loads(target.manage("export_exchange", "--all").stdout) == json.loads(exported)
