"""The contract on the embedded tantivy backend, plus what only it has (files, processes)."""

import datetime as dt
import subprocess
import sys

import pytest
from django.conf import settings

from search.backends.tantivy import TantivyBackend, certification_terms, day_keys, validity_terms
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


def test_overlapping_certifications_of_one_type_count_once_in_the_facet(tmp_path):
    backend = TantivyBackend(path=tmp_path / "index")
    gs_twice = [
        {"type": "gs", "valid_from": "2024-01-01", "valid_until": "2025-12-31"},
        {"type": "gs", "valid_from": "2025-06-01", "valid_until": "2026-06-30"},
        {"type": "kc", "valid_from": "2025-03-10", "valid_until": None},
    ]
    backend.index([make_doc(1, name_en="Parking", certifications=gs_twice), make_doc(2)])
    for day, expected in (
        (dt.date(2025, 7, 1), {"gs": 1, "kc": 1}),
        (dt.date(2026, 6, 30), {"gs": 1, "kc": 1}),
        (dt.date(2026, 7, 1), {"kc": 1}),
        (dt.date(2025, 3, 9), {"gs": 1}),
    ):
        facets = backend.search(SearchQuery(valid_on=day)).facets
        assert facets["certification"] == expected, day


def test_certification_terms_cover_a_day_at_most_once_per_type():
    terms = certification_terms(
        [
            {"type": "gs", "valid_from": "2024-02-10", "valid_until": "2025-08-31"},
            {"type": "gs", "valid_from": "2025-01-01", "valid_until": "2025-12-31"},
            {"type": "gs", "valid_from": "2026-01-01", "valid_until": "2026-01-05"},
        ]
    )
    day = dt.date(2024, 1, 1)
    while day <= dt.date(2026, 12, 31):
        covering = [k for k in day_keys(day) if f"gs|{k}" in terms]
        assert len(covering) == (1 if dt.date(2024, 2, 10) <= day <= dt.date(2026, 1, 5) else 0)
        day += dt.timedelta(days=1)


def test_suggest_completes_any_word_of_a_name_in_either_language(tmp_path):
    backend = TantivyBackend(path=tmp_path / "index")
    backend.index(
        [
            make_doc(1, name_en="Smart Parking Guidance", name_ko="스마트 주차 안내"),
            make_doc(2, name_en="Parcel Lockers", name_ko="무인 택배함"),
            make_doc(3, name_en="Air Quality Sensors", name_ko="대기질 센서"),
        ]
    )
    assert {s.solution_id for s in backend.suggest("par")} == {1, 2}
    assert [s.solution_id for s in backend.suggest("guid")] == [1]
    assert [(s.solution_id, s.language) for s in backend.suggest("주")] == [(1, "ko")]
    assert [s.solution_id for s in backend.suggest("smart park")] == [1]
    assert backend.suggest("parkingguidancesystems") == []
