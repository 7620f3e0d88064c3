"""The import_exchange and export_exchange management commands."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connections

from catalogue.models import Solution


def document(**changes):
    doc = {
        "format": "smartcity-exchange/1",
        "vendors": [{"id": "v-c", "name": {"en": "Cedar Grid", "ko": "시더그리드"}}],
        "solutions": [
            {"id": "s-c1", "vendor": "v-c", "name": {"en": "Feeder monitor"}, "category": "energy"},
            {"id": "s-c2", "vendor": "v-c", "name": {"ko": "변압기 진단"}, "category": "energy"},
        ],
    }
    doc.update(changes)
    return doc


def write(tmp_path: Path, doc, name="doc.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_import_command_imports_and_reports_counts(tmp_path):
    out, _ = run("import_exchange", str(write(tmp_path, document())))
    assert "vendors: 1 created, 0 updated, 0 unchanged" in out
    assert "solutions: 2 created, 0 updated, 0 unchanged" in out
    out, _ = run("import_exchange", str(write(tmp_path, document())))
    assert "solutions: 0 created, 0 updated, 2 unchanged" in out
    assert Solution.objects.filter(status="published").count() == 2


@pytest.mark.django_db
def test_import_command_with_draft_keeps_drafts(tmp_path):
    run("import_exchange", "--draft", str(write(tmp_path, document())))
    assert set(Solution.objects.values_list("status", flat=True)) == {"draft"}


@pytest.mark.django_db
def test_import_command_exits_non_zero_and_prints_every_path(tmp_path, capsys, monkeypatch):
    # run_from_argv closes every connection when it ends; keep the test database's open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    bad = document()
    bad["solutions"][0]["category"] = "rocketry"
    bad["solutions"][1]["vendor"] = "v-gone"
    bad["vendors"][0]["colour"] = "red"
    path = write(tmp_path, bad)
    command = load_command_class("catalogue", "import_exchange")
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["manage.py", "import_exchange", str(path)])
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert "vendors[0].colour: unknown key" in err
    assert "solutions[0].category: not a known category: 'rocketry'" in err
    assert "solutions[1].vendor: unknown vendor 'v-gone'" in err
    assert "3 problem(s) found" in err and "nothing was changed" in err
    assert Solution.objects.count() == 0


@pytest.mark.django_db
def test_import_command_lists_numbers_json_reads_as_infinity_by_path(tmp_path):
    doc = document()
    doc["solutions"][0]["price"] = {"min": 1.5, "max": 2.5, "currency": "KRW"}
    path = tmp_path / "huge.json"
    # JSON has no infinity, but Python reads 1e400 as one (Decimal('Infinity') for prices).
    path.write_text(json.dumps(doc).replace("1.5", "1e400").replace("2.5", "1e400"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_exchange", str(path), stderr=err)
    listed = err.getvalue()
    assert "solutions[0].price.min: " in listed and "solutions[0].price.max: " in listed
    assert Solution.objects.count() == 0


@pytest.mark.django_db
def test_import_command_caps_the_listing_but_counts_everything(tmp_path):
    bad = document()
    bad["solutions"] = [
        {"id": f"s-{i}", "vendor": "v-c", "name": {"en": "x"}, "category": "nope"}
        for i in range(30)
    ]
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_exchange", "--max-errors", "10", str(write(tmp_path, bad)), stderr=err)
    lines = err.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1] == "… and 20 more"
    assert "30 problem(s)" in str(caught.value)


@pytest.mark.django_db
def test_import_command_explains_unreadable_files(tmp_path):
    path = tmp_path / "korean.json"
    path.write_bytes(json.dumps(document(), ensure_ascii=False).encode("utf-8")[:-40])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_exchange", str(path), stderr=err)
    assert err.getvalue().startswith("$: the JSON ends too early")


@pytest.mark.django_db
def test_import_command_draws_a_progress_bar(tmp_path):
    _, err = run("import_exchange", "--progress", str(write(tmp_path, document())))
    assert "\r[" in err and "3/3 items (100%)" in err


@pytest.mark.django_db
def test_export_command_writes_a_file_that_imports_back(tmp_path):
    run("import_exchange", "--draft", str(write(tmp_path, document())))
    Solution.objects.filter(exchange_id="s-c1").update(status="published")
    target = tmp_path / "out.json"
    run("export_exchange", str(target))
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert [s["id"] for s in exported["solutions"]] == ["s-c1"]
    out, _ = run("export_exchange", "--all")
    everything = json.loads(out)
    assert [s["id"] for s in everything["solutions"]] == ["s-c1", "s-c2"]
    assert "변압기 진단" in out  # Korean is written as is, not \u-escaped
    out, _ = run("import_exchange", str(target))
    assert "vendors: 0 created, 1 updated" in out  # the pending vendor is approved now
    assert "solutions: 0 created, 0 updated, 1 unchanged" in out
