"""The contract on the embedded tantivy backend, plus what only it has (files, processes)."""

import datetime as dt
import subprocess
import sys

import pytest
from django.conf import settings

from search.backends.tantivy import (
    FACET_SLOTS,
    TantivyBackend,
    certification_terms,
    day_keys,
    validity_terms,
)
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


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2023, 3, 1), dt.date(2027, 5, 28)),  # whole months from March, days of May
        (dt.date(2024, 2, 10), dt.date(2024, 11, 30)),  # inside one year: days, months
        (dt.date(2026, 3, 5), dt.date(2026, 3, 20)),  # inside one month: day by day
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),  # a whole year
        (dt.date(2024, 2, 1), dt.date(2024, 2, 29)),  # a whole leap February
        (None, dt.date(2025, 6, 14)),  # open start
        (dt.date(2025, 3, 10), None),  # open end
    ],
)
def test_validity_terms_are_few_and_cover_each_day_of_the_window_exactly_once(start, end):
    terms = validity_terms("gs", start, end)
    assert len(terms) == len(set(terms))
    first, last = start or dt.date(2019, 1, 1), end or dt.date(2031, 12, 31)
    day = first - dt.timedelta(days=400)
    while day <= last + dt.timedelta(days=400):
        covering = [k for k in day_keys(day) if f"gs|{k}" in terms]
        inside = (start is None or start <= day) and (end is None or day <= end)
        assert len(covering) == (1 if inside else 0), day
        day += dt.timedelta(days=1)
    assert len(terms) <= 20 or (start and end and start.month == end.month)


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
    # prefixes longer than the indexed ones (PREFIX_MAX) complete too
    assert [s.solution_id for s in backend.suggest("guidanc")] == [1]
    assert [s.solution_id for s in backend.suggest("locker")] == [2]
    assert [(s.solution_id, s.language) for s in backend.suggest("주")] == [(1, "ko")]
    assert [s.solution_id for s in backend.suggest("smart park")] == [1]
    assert backend.suggest("parkingguidancesystems") == []


def test_highlights_follow_a_synonym_into_the_other_language(tmp_path):
    backend = TantivyBackend(path=tmp_path / "index")
    backend.index(CATALOGUE)
    hits = {h.solution_id: h.highlights for h in backend.search(SearchQuery(text="CCTV")).hits}
    assert "<b>" in hits[4]["name_ko"][0]  # 영상감시, a Korean synonym of the English query
    assert "<b>" in hits[3]["name_en"][0]


@pytest.mark.parametrize(
    "text", ["CCTV", "surveilance", "fere", "traffic 교통신호", "sensors", "주차"]
)
def test_facets_count_exactly_the_documents_the_query_matches(tmp_path, text):
    backend = TantivyBackend(path=tmp_path / "index")
    backend.index(CATALOGUE)
    result = backend.search(SearchQuery(text=text, page_size=50))
    assert result.total > 0
    assert sum(result.facets["category"].values()) == result.total == len(result.hits)


COUNTRIES = ["KR", "VN", "PE", "KE", "ID", "UZ", "MN"]
STANDARDS = ["MQTT", "NGSI-LD", "oneM2M", "ISO 37120", "LwM2M", "OCPP"]


def _varied_catalogue(ids, seed):
    """Solutions with random facet values and (sometimes overlapping) certifications."""
    import random

    rng = random.Random(seed)
    docs = []
    for i in ids:
        certs = []
        for _ in range(rng.randint(0, 3)):
            start = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 1200))
            end = start + dt.timedelta(days=rng.randrange(0, 900))
            certs.append(
                {
                    "type": rng.choice(["gs", "kc", "nep"]),
                    "valid_from": start.isoformat() if rng.random() < 0.9 else None,
                    "valid_until": end.isoformat() if rng.random() < 0.9 else None,
                }
            )
        docs.append(
            make_doc(
                i,
                name_en=rng.choice(["Parking sensors", "Traffic signals", "Air sensors"]),
                category=rng.choice(["mobility", "safety", "energy", "environment"]),
                tiers=rng.sample(["metropolitan", "city", "county"], rng.randint(0, 2)),
                # up to six: past the facets' slots (FACET_SLOTS) into the overflow field
                countries=rng.sample(COUNTRIES, rng.choice([1, 1, 2, 3, 5, 6])),
                deployment=rng.sample(["cloud", "edge", "hybrid"], rng.randint(0, 2)),
                standards=rng.sample(STANDARDS, rng.choice([0, 1, 2, 5])),
                certifications=certs,
            )
        )
    return docs


def _per_field_counts(backend, text, day):
    """Each facet value's count as the total of the query filtered on that one value."""
    values = {
        "category": ["mobility", "safety", "energy", "environment"],
        "tier": ["metropolitan", "city", "county"],
        "country": COUNTRIES,
        "deployment": ["cloud", "edge", "hybrid"],
        "standard": STANDARDS,
        "certification": ["gs", "kc", "nep"],
    }
    out = {}
    for facet, candidates in values.items():
        counts = {}
        for value in candidates:
            q = SearchQuery(text=text, valid_on=day, facets=False, **{facet: (value,)})
            total = backend.search(q).total
            if total:
                counts[value] = total
        out[facet] = counts
    return out


def test_facets_equal_the_counts_of_each_value_filtered_alone(tmp_path):
    backend = TantivyBackend(path=tmp_path / "index")
    writer = TantivyBackend(path=tmp_path / "index")  # as another process would
    catalogue = _varied_catalogue(range(1, 121), seed=3)
    assert any(len(d["countries"]) > FACET_SLOTS for d in catalogue)
    assert any(len(d["standards"]) > FACET_SLOTS for d in catalogue)
    writer.index(catalogue)
    days = [dt.date(2024, 2, 29), dt.date(2025, 7, 1), dt.date(2026, 12, 31), dt.date(2030, 1, 1)]
    for round_ in range(2):
        for text in ("", "sensors", "parking"):
            for day in days:
                facets = backend.search(SearchQuery(text=text, valid_on=day)).facets
                assert facets == _per_field_counts(backend, text, day), (text, day)
                assert list(facets["certification"].values()) == sorted(
                    facets["certification"].values(), reverse=True
                )
        # another instance commits new validity windows and deletes: the facets follow
        writer.index(_varied_catalogue(range(100, 161), seed=4 + round_))
        writer.delete(range(1, 11))
    assert facets["certification"] and facets["country"] and facets["tier"]


def test_korean_fields_match_hangul_bigrams_and_latin_words_in_any_case(tmp_path):
    """The ``ko`` analyzer does not fold case (Hangul has none); Latin words written inside
    Korean text are found through the ``words`` field whatever their case."""
    backend = TantivyBackend(path=tmp_path / "index")
    backend.index(
        [
            make_doc(1, name_ko="교통량 측정", description_ko="IoT 센서로 교통량을 측정합니다."),
            make_doc(2, name_ko="대기질 측정", description_ko="미세먼지 센서"),
        ]
    )
    for text in ("iot", "IOT", "IoT"):
        assert [h.solution_id for h in backend.search(SearchQuery(text=text)).hits] == [1]
    hits = backend.search(SearchQuery(text="교통량을")).hits
    assert [h.solution_id for h in hits] == [1]
    assert "<b>교통량</b>을" in hits[0].highlights["description_ko"][0]


def test_a_corrected_english_typo_is_reported_as_the_words_searched_for(tmp_path):
    """Elasticsearch matches English typos by fuzziness, without a rewritten query: only the
    embedded engine reports them (both report Korean ones: the contract)."""
    backend = TantivyBackend(path=tmp_path / "index")
    backend.index(CATALOGUE)
    result = backend.search(SearchQuery(text="Parkng guidance"))
    assert result.corrected_text == "parking guidance" and result.hits[0].solution_id == 2
    assert backend.search(SearchQuery(text="Parking guidance")).corrected_text == ""
