"""Index sync after commit, engine-down fallback to PendingSync, drift check and repair."""

import pytest
from django.core.management import CommandError, call_command

from catalogue.models import Solution
from catalogue.services import solutions as services
from search import indexing
from search.backends import get_backend, reset_backend
from search.models import PendingSync
from search.types import SearchIndexOutdated, SearchQuery
from tests.factories import CertificationFactory, KpiFactory, PilotFactory, SolutionFactory

pytestmark = pytest.mark.django_db


def plant_index_with_other_fields(index_dir) -> None:
    """Make ``index_dir``'s live index one with other fields, as an earlier version left it."""
    import os

    import tantivy

    old = tantivy.SchemaBuilder()
    old.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    old.add_text_field("name_en", stored=True)
    (index_dir / "index-1").mkdir(parents=True)
    tantivy.Index(old.build(), path=str(index_dir / "index-1"))
    os.symlink("index-1", index_dir / "current")
    reset_backend()


def found(text: str) -> list[int]:
    return [h.solution_id for h in get_backend().search(SearchQuery(text=text)).hits]


@pytest.fixture
def submitted(vendor_user):
    return SolutionFactory(
        vendor=vendor_user.organisation,
        status=Solution.Status.SUBMITTED,
        name_en="Smart parking guidance",
        name_ko="스마트 주차 안내",
    )


def test_document_holds_pilots_kpis_certifications_and_stamp(db):
    solution = SolutionFactory(status=Solution.Status.PUBLISHED)
    kpi = KpiFactory(pilot=PilotFactory(solution=solution, verification="verified"))
    CertificationFactory(solution=solution, type="gs")
    CertificationFactory(solution=solution, type="kc", verification="rejected")
    doc = indexing.solution_to_document(solution)
    assert doc["kpis"] == [kpi.indicator]
    assert [c["type"] for c in doc["certifications"]] == ["gs"]
    assert doc["evidence"] == 1 and doc["tiers"] == ["county"]
    assert doc["version"] == f"{solution.version}:{solution.updated_at.isoformat()}"


def test_publish_indexes_after_commit(submitted, operator_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.solution_publish(user=operator_user, solution=submitted)
    assert found("parking") == [submitted.pk]


def test_edit_updates_and_archive_removes(
    submitted, operator_user, vendor_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.solution_publish(user=operator_user, solution=submitted)
    with django_capture_on_commit_callbacks(execute=True):
        services.solution_update(
            user=vendor_user, solution=submitted, data={"name_en": "Smart bicycle racks"}
        )
    assert found("bicycle") == [submitted.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.solution_archive(user=operator_user, solution=submitted)
    assert found("bicycle") == []


def test_nothing_is_indexed_before_commit(
    submitted, operator_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.solution_publish(user=operator_user, solution=submitted)
    assert callbacks and found("parking") == []


def test_engine_down_keeps_db_change_and_repair_fixes_it(
    submitted, operator_user, settings, tmp_path, django_capture_on_commit_callbacks
):
    good_dir = settings.SEARCH_INDEX_DIR
    blocker = tmp_path / "blocked"
    blocker.write_text("not a directory")
    settings.SEARCH_INDEX_DIR = blocker
    reset_backend()
    with django_capture_on_commit_callbacks(execute=True):
        services.solution_publish(user=operator_user, solution=submitted)
    submitted.refresh_from_db()
    assert submitted.status == Solution.Status.PUBLISHED
    assert list(PendingSync.objects.values_list("solution_id", flat=True)) == [submitted.pk]

    settings.SEARCH_INDEX_DIR = good_dir
    reset_backend()
    drift = indexing.check()
    assert drift.missing == [submitted.pk] and drift.pending == [submitted.pk]
    indexing.repair(drift)
    assert indexing.check().clean
    assert found("parking") == [submitted.pk]


def test_check_finds_stale_and_extra_and_repair_fixes_them(db):
    a = SolutionFactory(status=Solution.Status.PUBLISHED, name_en="Flood sensors")
    b = SolutionFactory(status=Solution.Status.PUBLISHED, name_en="Street lights")
    get_backend().rebuild(indexing.iter_documents())
    assert indexing.check().clean
    Solution.objects.filter(pk=a.pk).update(version=5)  # an edit whose sync was lost
    Solution.objects.filter(pk=b.pk).update(status=Solution.Status.ARCHIVED)
    drift = indexing.check()
    assert drift.stale == [a.pk] and drift.extra == [b.pk] and drift.missing == []
    indexing.repair()
    assert indexing.check().clean
    assert found("lights") == []


def test_search_index_command_rebuilds_checks_and_repairs(db, capsys):
    solution = SolutionFactory(status=Solution.Status.PUBLISHED)
    call_command("search_index", "rebuild")
    out, err = capsys.readouterr()
    assert "indexed 1 solutions" in out and "1/1" in err
    get_backend().delete([solution.pk])
    call_command("search_index", "check")
    assert "missing: 1 found" in capsys.readouterr().out
    call_command("search_index", "repair")
    call_command("search_index", "check")
    assert "index is in step" in capsys.readouterr().out


def test_bulk_documents_equal_one_by_one_documents(db):
    solution = SolutionFactory(status=Solution.Status.PUBLISHED)
    KpiFactory(pilot=PilotFactory(solution=solution, verification="verified"))
    CertificationFactory(solution=solution, type="gs", valid_from=None)
    SolutionFactory(status=Solution.Status.DRAFT)
    bulk = list(indexing.iter_documents())
    one = indexing.solution_to_document(indexing.indexable_solutions().get(pk=solution.pk))
    assert bulk == [one]


def test_bulk_documents_skip_unpublished_solutions_inside_a_batch(db):
    first = SolutionFactory(status=Solution.Status.PUBLISHED)
    draft = SolutionFactory(status=Solution.Status.DRAFT)
    CertificationFactory(solution=draft, type="gs")
    KpiFactory(pilot=PilotFactory(solution=draft))
    last = SolutionFactory(status=Solution.Status.PUBLISHED)
    KpiFactory(pilot=PilotFactory(solution=last, verification="verified"))
    CertificationFactory(solution=last, type="kc")
    one = [
        indexing.solution_to_document(indexing.indexable_solutions().get(pk=s.pk))
        for s in (first, last)
    ]
    for batch_size in (1, 2, 1000):
        assert list(indexing.iter_documents(batch_size=batch_size)) == one, batch_size


def test_rebuild_catches_up_writes_made_while_it_ran(
    submitted, operator_user, vendor_user, django_capture_on_commit_callbacks
):
    edited = SolutionFactory(
        vendor=vendor_user.organisation, status=Solution.Status.PUBLISHED, name_en="Flood sensors"
    )
    archived = SolutionFactory(status=Solution.Status.PUBLISHED, name_en="Street lights")
    get_backend().rebuild(indexing.iter_documents())
    writes_done = []

    def write_during_rebuild(done):
        # The rebuild has read its batch already; these syncs go to the index being replaced.
        if writes_done:
            return
        writes_done.append(done)
        with django_capture_on_commit_callbacks(execute=True):
            services.solution_update(
                user=vendor_user, solution=edited, data={"name_en": "Flood gauges"}
            )
            services.solution_archive(user=operator_user, solution=archived)
            services.solution_publish(user=operator_user, solution=submitted)

    assert indexing.rebuild(progress=write_during_rebuild) == 2
    assert writes_done
    assert edited.pk in found("gauges")
    assert archived.pk not in found("lights")
    assert submitted.pk in found("guidance")
    assert indexing.check().clean


def test_rebuild_right_after_an_import_does_not_index_the_new_solutions_twice(db, monkeypatch):
    # Just written, so all within the catch-up margin; the rebuild wrote their current stamps.
    fresh = [SolutionFactory(status=Solution.Status.PUBLISHED) for _ in range(3)]
    synced = []
    real_sync = indexing.sync_solutions
    monkeypatch.setattr(
        indexing, "sync_solutions", lambda ids: synced.append(set(ids)) or real_sync(ids)
    )
    assert indexing.rebuild() == 3
    assert synced == [set()]
    assert sorted(get_backend().indexed_versions()) == sorted(s.pk for s in fresh)
    assert indexing.check().clean


def test_rebuild_keeps_syncs_that_failed_during_it_pending_until_caught_up(db):
    solution = SolutionFactory(status=Solution.Status.PUBLISHED, name_en="Smart benches")
    PendingSync.objects.create(solution_id=solution.pk, reason="engine down earlier")
    assert indexing.rebuild() == 1
    assert not PendingSync.objects.exists()
    assert found("benches") == [solution.pk]


def test_an_index_built_with_other_fields_is_refused_and_repair_rebuilds_it(db, capsys, _index_dir):
    """After an upgrade that changed the index's fields, the old index is not read with the new
    fields (which would fail on some queries or quietly find less): search says to rebuild, and
    ``repair`` does."""
    solution = SolutionFactory(status=Solution.Status.PUBLISHED, name_en="Flood sensors")
    plant_index_with_other_fields(_index_dir)

    with pytest.raises(SearchIndexOutdated, match="search_index rebuild"):
        get_backend().search(SearchQuery(text="flood"))
    with pytest.raises(CommandError, match="other fields"):
        call_command("search_index", "check")
    call_command("search_index", "repair")
    out, err = capsys.readouterr()
    assert "rebuilt it" in err and "index is in step" in out
    assert found("flood") == [solution.pk]
