"""One contract for every search backend; subclasses provide the ``backend`` fixture.

Documents are the plain dicts that ``search.indexing.solution_to_document`` produces.
"""

from __future__ import annotations

import datetime as dt

import pytest

from search.types import SearchQuery


def make_doc(i: int, **fields) -> dict:
    doc = {
        "id": i,
        "version": f"1:{i}",
        "name_ko": "",
        "name_en": "",
        "summary_ko": "",
        "summary_en": "",
        "description_ko": "",
        "description_en": "",
        "pilots_ko": [],
        "pilots_en": [],
        "pilot_cities": [],
        "kpis": [],
        "tags": [],
        "vendor_ko": "",
        "vendor_en": "",
        "category": "mobility",
        "certifications": [],
        "tiers": [],
        "countries": ["KR"],
        "deployment": ["cloud"],
        "standards": [],
        "languages": ["ko", "en"],
        "price_krw": 50_000_000.0,
        "published_at": f"2025-01-{(i % 28) + 1:02d}T00:00:00+00:00",
        "evidence": 0,
    }
    doc.update(fields)
    return doc


def catalogue_with_a_common_word(flood_ids, platform_ids) -> list[dict]:
    """100 solutions: "platform" in 40 % of them (a common word), "flood" in a few."""
    docs = []
    for i in range(1, 101):
        words = [w for w, ids in (("Flood", flood_ids), ("platform", platform_ids)) if i in ids]
        docs.append(make_doc(i, name_en=" ".join(words) or "Parking sensors", name_ko=""))
    return docs


CATALOGUE = [
    make_doc(
        1,
        name_ko="스마트 교통신호 제어 시스템",
        name_en="Adaptive traffic signal control",
        description_ko="교차로의 교통신호를 제어하는 인공지능 플랫폼입니다.",
        summary_en="Cuts traffic waiting time at junctions.",
        category="mobility",
        certifications=[{"type": "gs", "valid_from": "2024-01-01", "valid_until": "2026-06-30"}],
        tiers=["city"],
        evidence=2,
    ),
    make_doc(
        2,
        name_ko="주차 안내",
        name_en="Parking guidance",
        summary_en="Parking sensors show free spaces to drivers.",
        category="mobility",
        certifications=[{"type": "gs", "valid_from": "2020-01-01", "valid_until": "2022-12-31"}],
        tiers=["county"],
        price_krw=200_000_000.0,
        evidence=1,
    ),
    make_doc(
        3,
        name_en="Video surveillance analytics",
        summary_en="Detects incidents in camera feeds.",
        category="safety",
        certifications=[{"type": "kc", "valid_from": None, "valid_until": None}],
        countries=["VN"],
        deployment=["edge"],
    ),
    make_doc(
        4,
        name_ko="영상감시 관제 플랫폼",
        summary_ko="방범용 영상감시를 통합 관제합니다.",
        category="safety",
        tiers=["metropolitan"],
    ),
    make_doc(
        5,
        name_en="Air quality monitoring",
        summary_en="Measures fine dust in streets.",
        category="environment",
        price_krw=None,
    ),
    make_doc(
        6,
        name_en="Flood early warning",
        summary_en="River level sensors raise alarms.",
        category="safety",
    ),
]


class BackendContract:
    """Behaviour every backend must show. Subclasses define a ``backend`` fixture."""

    @pytest.fixture
    def loaded(self, backend):
        backend.index(CATALOGUE)
        return backend

    def ids(self, backend, **kwargs) -> list[int]:
        return [h.solution_id for h in backend.search(SearchQuery(**kwargs)).hits]

    def test_korean_word_finds_text_with_particles(self, loaded):
        assert self.ids(loaded, text="교통신호")[0] == 1

    def test_two_syllable_korean_word_matches_inside_compounds(self, loaded):
        assert 1 in self.ids(loaded, text="교통")

    def test_english_plural_finds_singular(self, loaded):
        assert 2 in self.ids(loaded, text="sensor")
        assert 6 in self.ids(loaded, text="sensors")

    def test_one_typo_in_a_long_english_word_is_tolerated(self, loaded):
        assert self.ids(loaded, text="surveilance")[0] == 3

    def test_synonym_crosses_languages(self, loaded):
        found = self.ids(loaded, text="CCTV")
        assert 3 in found and 4 in found
        assert 2 in self.ids(loaded, text="주차")

    def test_unrelated_text_finds_nothing(self, loaded):
        assert self.ids(loaded, text="zebrafish") == []

    def test_category_filter_does_not_change_scores(self, loaded):
        plain = {h.solution_id: h.score for h in loaded.search(SearchQuery(text="CCTV")).hits}
        filtered = loaded.search(SearchQuery(text="CCTV", category=("safety",))).hits
        assert filtered and all(plain[h.solution_id] == pytest.approx(h.score) for h in filtered)

    def test_certification_must_be_valid_on_the_date(self, loaded):
        day = dt.date(2025, 3, 1)
        assert self.ids(loaded, certification=("gs",), valid_on=day) == [1]
        assert set(self.ids(loaded, certification=("gs",), valid_on=dt.date(2021, 5, 5))) == {2}
        assert self.ids(loaded, certification=("gs",), valid_on=dt.date(2026, 7, 1)) == []
        assert self.ids(loaded, certification=("kc",), valid_on=dt.date(2090, 1, 1)) == [3]

    def test_filters_on_tier_country_deployment_and_price(self, loaded):
        assert self.ids(loaded, tier=("county",)) == [2]
        assert self.ids(loaded, country=("VN",)) == [3]
        assert self.ids(loaded, deployment=("edge",)) == [3]
        cheap = set(self.ids(loaded, price_max=100_000_000, page_size=50))
        assert 2 not in cheap and 5 not in cheap and 1 in cheap

    def test_facets_count_values_and_valid_certifications(self, loaded):
        result = loaded.search(SearchQuery(valid_on=dt.date(2025, 3, 1)))
        assert result.total == len(CATALOGUE)
        assert result.facets["category"] == {"mobility": 2, "safety": 3, "environment": 1}
        assert result.facets["certification"] == {"gs": 1, "kc": 1}
        assert result.facets["tier"]["city"] == 1

    def test_pages_do_not_overlap_and_cover_everything(self, loaded):
        pages = [self.ids(loaded, page=p, page_size=4) for p in (1, 2)]
        assert len(pages[0]) == 4 and len(pages[1]) == 2
        assert sorted(pages[0] + pages[1]) == [1, 2, 3, 4, 5, 6]

    def test_equal_scores_are_not_in_id_order_but_stable(self, loaded):
        first = self.ids(loaded, page_size=10)
        assert first == self.ids(loaded, page_size=10)
        assert first != sorted(first)

    def test_sort_by_evidence_and_newest(self, loaded):
        assert self.ids(loaded, sort="evidence")[:2] == [1, 2]
        newest = self.ids(loaded, sort="newest")
        assert newest[0] == 6

    def test_a_korean_word_one_jamo_off_finds_what_the_word_finds(self, loaded):
        # 교퉁: a vowel off 교통, which only solution 1 says (in 교통신호)
        assert self.ids(loaded, text="교퉁") == self.ids(loaded, text="교통") == [1]
        assert self.ids(loaded, text="교퉁신호") == self.ids(loaded, text="교통신호")
        hit = loaded.search(SearchQuery(text="교퉁을")).hits[0]
        assert "<b>" in hit.highlights["name_ko"][0]  # the corrected word is highlighted
        assert loaded.search(SearchQuery(text="교퉁을 seoul")).corrected_text == "교통을 seoul"
        assert loaded.search(SearchQuery(text="교통신호 주차")).corrected_text == ""

    def test_highlights_in_both_languages(self, loaded):
        hit = loaded.search(SearchQuery(text="traffic 교통신호")).hits[0]
        assert hit.solution_id == 1
        assert "<b>" in hit.highlights["summary_en"][0]
        assert any("<b>" in f for f in hit.highlights.get("description_ko", []))

    def test_reindex_replaces_and_delete_removes(self, loaded):
        loaded.index([make_doc(2, name_en="Bicycle sharing", version="2:x")])
        assert 2 not in self.ids(loaded, text="parking")
        assert 2 in self.ids(loaded, text="bicycle")
        loaded.delete([2, 999])
        assert 2 not in self.ids(loaded, text="bicycle")
        assert loaded.indexed_versions().get(1) == "1:1"
        assert 2 not in loaded.indexed_versions()

    def test_suggest_completes_names_in_both_languages(self, loaded):
        ko = loaded.suggest("영상")
        assert [(s.solution_id, s.language) for s in ko] == [(4, "ko")]
        en = loaded.suggest("park")
        assert en[0].solution_id == 2 and en[0].text == "Parking guidance"

    def test_rebuild_replaces_the_whole_index(self, loaded):
        count = loaded.rebuild(iter([make_doc(9, name_en="Smart bench")]))
        assert count == 1
        assert set(loaded.indexed_versions()) == {9}

    def test_health_reports_ok(self, loaded):
        assert loaded.health()["ok"] is True

    def test_a_common_word_only_ranks_what_the_distinctive_words_find(self, backend):
        backend.index(catalogue_with_a_common_word(range(1, 13), [*range(1, 7), *range(13, 47)]))
        result = backend.search(SearchQuery(text="flood platform", page_size=50))
        assert {h.solution_id for h in result.hits} == set(range(1, 13))
        assert result.total == sum(result.facets["category"].values()) == 12
        # the common word still counts: solutions saying both come first
        assert {h.solution_id for h in result.hits[:6]} == set(range(1, 7))
        # alone, a common word matches as any word does
        assert backend.search(SearchQuery(text="platform", page_size=50)).total == 40

    def test_too_few_distinctive_matches_let_every_word_match(self, backend):
        backend.index(catalogue_with_a_common_word(range(1, 4), range(1, 41)))
        result = backend.search(SearchQuery(text="flood platform", page_size=50))
        assert result.total == sum(result.facets["category"].values()) == 40
        assert {h.solution_id for h in result.hits[:3]} == {1, 2, 3}

    def test_document_frequencies_count_words_in_any_field_and_language(self, backend):
        backend.index(
            [
                make_doc(11, name_en="Storm drain monitor", summary_ko="빗물받이 침수를 감지"),
                make_doc(12, name_en="Drain cleaning robot", summary_ko="도로 침수 예방"),
                make_doc(
                    13, summary_en="Sensors in every city drain.", summary_ko="차량 대수를 셉니다"
                ),
                make_doc(14, name_en="Bus shelter", summary_ko="정류장 안내"),
                make_doc(15, name_en="Street lighting", summary_ko="가로등 개수를 관리"),
            ]
        )
        # 침수를: its particle dropped, as a query drops it (수를 is in three summaries)
        counts = backend.document_frequencies(["drain", "drains", "침수를", "zebrafish", "sensor"])
        assert counts == {"drain": 3, "drains": 3, "침수를": 2, "zebrafish": 0, "sensor": 1}
        assert backend.document_frequencies([]) == {}
        assert backend.health()["documents"] == 5
