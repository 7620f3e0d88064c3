"""The contract on the embedded tantivy backend, plus what only it has (files, processes)."""

import datetime as dt
import subprocess
import sys

import pytest
from django.conf import settings

from search.backends.tantivy import TantivyBackend, day_keys, validity_terms
from search.types import SearchQuery, SearchUnavailable
from tests.search.contract import CATALOGUE, BackendContract, make_doc


class TestTantivyBackend(BackendContract):
    @pytest.fixture
    def backend(self, tmp_path):
        return TantivyBackend(path=tmp_path / "index")


def test_validity_terms_cover_exactly_the_window():
    start, end = dt.date(2023, 11, 17), dt.date(2026, 2, 3)
    terms = set(validity_terms("gs", start, end))
    day = dt.date(2023, 11, 1)
    while day <= dt.date(2026, 3, 31):
        inside = start <= day <= end
        hit = any(f"gs|{k}" in terms for k in day_keys(day))
        assert hit == inside, day
        day += dt.timedelta(days=1)
    assert len(terms) < 60


def test_index_path_that_is_a_file_makes_search_unavailable(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    backend = TantivyBackend(path=blocker)
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(text="parking"))
    assert backend.health()["ok"] is False


def test_second_instance_sees_commits_of_the_first(tmp_path):
    writer, reader = TantivyBackend(path=tmp_path / "i"), TantivyBackend(path=tmp_path / "i")
    writer.index(CATALOGUE[:1])
    assert reader.search(SearchQuery()).total == 1
    writer.index([make_doc(77, name_en="Smart bench")])
    assert reader.search(SearchQuery(text="bench")).hits[0].solution_id == 77


def test_writes_from_another_process_wait_for_the_lock(tmp_path):
    path = tmp_path / "shared"
    backend = TantivyBackend(path=path)
    backend.index(CATALOGUE)
    code = (
        "import sys; sys.path.insert(0, '.');"
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings.test');"
        "django.setup();"
        "from search.backends.tantivy import TantivyBackend;"
        "from tests.search.contract import make_doc;"
        f"b = TantivyBackend(path=r'{path}');"
        "[b.index([make_doc(100 + i, name_en=f'Kiosk {i}')]) for i in range(5)]"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=settings.BASE_DIR)
    for i in range(5):
        backend.index([make_doc(200 + i, name_en=f"Bench {i}")])
    assert child.wait(timeout=60) == 0
    ids = set(backend.indexed_versions())
    assert {100, 104, 200, 204} <= ids


def test_rebuild_keeps_old_index_readable_until_swap(tmp_path):
    backend = TantivyBackend(path=tmp_path / "i")
    backend.index(CATALOGUE)
    other = TantivyBackend(path=tmp_path / "i")

    def docs():
        assert other.search(SearchQuery()).total == len(CATALOGUE)  # mid-rebuild: old index
        yield make_doc(9, name_en="Smart bench")

    backend.rebuild(docs())
    assert [h.solution_id for h in other.search(SearchQuery()).hits] == [9]
