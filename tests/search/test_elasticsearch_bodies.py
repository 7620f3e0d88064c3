"""The Elasticsearch request bodies, checked as dicts without a server."""

import datetime as dt

from search.backends.elasticsearch import ElasticsearchBackend, query_words
from search.documents import index_definition, to_es_source
from search.types import SearchQuery
from tests.search.contract import CATALOGUE


def backend():
    return ElasticsearchBackend(url="http://127.0.0.1:1", index="solutions")


def test_filters_are_in_filter_context_and_text_scores():
    body = backend().search_body(
        SearchQuery(text="parking", category=("mobility",), tier=("county",), price_max=1e8)
    )
    boolean = body["query"]["bool"]
    assert {"terms": {"category": ["mobility"]}} in boolean["filter"]
    assert {"terms": {"tier": ["county"]}} in boolean["filter"]
    assert {"range": {"price": {"lte": 1e8}}} in boolean["filter"]
    assert boolean["minimum_should_match"] == 1
    assert any("multi_match" in c for c in boolean["should"])
    assert "must" not in boolean


def test_certification_filter_is_a_nested_date_range_on_the_day():
    body = backend().search_body(SearchQuery(certification=("gs",), valid_on=dt.date(2025, 3, 1)))
    nested = body["query"]["bool"]["filter"][0]["nested"]
    assert nested["path"] == "certifications"
    clauses = nested["query"]["bool"]["filter"]
    assert clauses[0] == {"term": {"certifications.type": "gs"}}
    assert clauses[1]["bool"]["should"][0] == {
        "range": {"certifications.valid_from": {"lte": "2025-03-01"}}
    }
    assert clauses[2]["bool"]["should"][0] == {
        "range": {"certifications.valid_until": {"gte": "2025-03-01"}}
    }


def test_synonyms_expand_across_languages_in_the_query():
    should = backend().search_body(SearchQuery(text="CCTV"))["query"]["bool"]["should"]
    expansions = [c["multi_match"]["query"] for c in should if c["multi_match"].get("boost")]
    assert "영상감시" in expansions


def test_english_fuzziness_starts_at_five_letters():
    should = backend().search_body(SearchQuery(text="parkng"))["query"]["bool"]["should"]
    en = next(c for c in should if "name_en^2" in c["multi_match"]["fields"])
    assert en["multi_match"]["fuzziness"] == "AUTO:5,100"


def test_aggregations_cover_every_facet_and_valid_certifications():
    aggs = backend().search_body(SearchQuery(valid_on=dt.date(2025, 3, 1)))["aggs"]
    assert set(aggs) == {"category", "tier", "country", "deployment", "standard", "certification"}
    cert = aggs["certification"]
    assert cert["nested"] == {"path": "certifications"}
    assert "reverse_nested" in cert["aggs"]["valid"]["aggs"]["types"]["aggs"]["solutions"]


def test_highlight_both_languages_and_stable_tie_sort():
    body = backend().search_body(SearchQuery(text="교통신호", page=3, page_size=10))
    assert {"name_ko", "name_en", "description_ko", "description_en"} <= set(
        body["highlight"]["fields"]
    )
    assert body["sort"] == ["_score", {"tie": "asc"}]
    assert body["from"] == 20 and body["size"] == 10
    assert backend().search_body(SearchQuery(sort="evidence"))["sort"][0] == {"evidence": "desc"}


def test_mapping_has_cjk_english_and_synonym_analyzers(settings):
    settings.SEARCH_KOREAN_ANALYZER = "cjk"
    body = index_definition("solutions-1")
    analysis = body["settings"]["analysis"]
    assert "cjk_bigram" in analysis["analyzer"]["sce_ko"]["filter"]
    assert "sce_english_stemmer" in analysis["analyzer"]["sce_en"]["filter"]
    assert "sce_synonyms" in analysis["analyzer"]["sce_en_search"]["filter"]
    assert any("영상감시" in line for line in analysis["filter"]["sce_synonyms"]["synonyms"])
    props = body["mappings"]["properties"]
    assert props["name_ko"]["analyzer"] == "sce_ko"
    assert props["certifications"]["type"] == "nested"
    assert props["certifications"]["properties"]["valid_until"]["type"] == "date"


def test_nori_can_be_chosen(settings):
    settings.SEARCH_KOREAN_ANALYZER = "nori"
    analysis = index_definition("solutions-1")["settings"]["analysis"]
    assert analysis["analyzer"]["sce_ko"]["tokenizer"] == "nori_tokenizer"


def test_alias_swap_is_one_atomic_update():
    body = backend().alias_actions(["solutions-old"], "solutions-new")
    assert body == {
        "actions": [
            {"remove": {"index": "solutions-old", "alias": "solutions"}},
            {"add": {"index": "solutions-new", "alias": "solutions"}},
        ]
    }


def test_bulk_actions_index_documents_by_id():
    actions = list(backend().bulk_actions(CATALOGUE[:2], index="solutions-new"))
    assert [a["_id"] for a in actions] == ["1", "2"]
    assert actions[0]["_index"] == "solutions-new"
    assert actions[0]["_source"] == to_es_source(CATALOGUE[0])
    assert actions[0]["_source"]["certifications"][0]["type"] == "gs"


def test_word_frequencies_are_size_zero_counts_in_one_multi_search():
    bodies = backend().frequency_search(["침수를", "Sensors"]).to_dict()
    assert bodies[0] == {} and bodies[2] == {}  # headers: the alias goes with the request
    first, second = bodies[1], bodies[3]
    assert first["size"] == 0 and first["track_total_hits"] is True
    match = first["query"]["multi_match"]
    assert match["query"] == "침수"  # the particle is dropped, as queries drop it
    assert {"name_ko", "summary_ko", "name_en", "description_en"} <= set(match["fields"])
    assert second["query"]["multi_match"]["query"] == "sensors"


def test_common_words_only_rank_what_the_other_words_match():
    body = backend().search_body(SearchQuery(text="flood platform"), frozenset({"platform"}))
    boolean = body["query"]["bool"]
    (required,) = boolean["must"]

    def queries(clauses, synonyms=False):
        return {
            c["multi_match"]["query"]
            for c in clauses
            if bool(c["multi_match"].get("boost")) == synonyms
        }

    assert queries(required["bool"]["should"]) == {"flood"}
    assert "침수" in queries(required["bool"]["should"], synonyms=True)  # a synonym of flood
    assert required["bool"]["minimum_should_match"] == 1
    assert queries(boolean["should"]) == {"platform"}
    assert "minimum_should_match" not in boolean  # optional: they add to the score only
    assert body["highlight"]["fields"]
    # without common words, every word matches
    boolean = backend().search_body(SearchQuery(text="flood platform"))["query"]["bool"]
    assert "must" not in boolean and boolean["minimum_should_match"] == 1


def test_query_words_are_the_words_that_can_match():
    assert query_words("The flood, 침수를 (platform)!") == ["flood", "침수를", "platform"]


def test_korean_word_counts_are_size_zero_counts_of_every_piece_in_one_multi_search():
    bodies = backend().korean_word_search(["플렛폼", "플랫폼"]).to_dict()
    assert len(bodies) == 4 and bodies[0] == {} and bodies[2] == {}
    first = bodies[1]
    assert first["size"] == 0 and first["track_total_hits"] is True
    match = first["query"]["multi_match"]
    assert match["query"] == "플렛폼" and match["operator"] == "and"
    assert set(match["fields"]) == {"name_ko", "summary_ko", "description_ko", "extra_ko"}
    assert bodies[3]["query"]["multi_match"]["query"] == "플랫폼"
