"""Korean bigrams, English stems, typo correction and synonym expansion."""

from search import analysis


def test_korean_query_words_lose_particles_and_become_bigrams():
    terms = analysis.phrase_terms("교통신호를")
    assert [t.text for t in terms] == ["교통", "통신", "신호"]


def test_english_words_are_stemmed_and_stop_words_dropped():
    terms = analysis.phrase_terms("sensors for the elderly")
    assert [t.text for t in terms] == ["sensor", "elder"]


def test_one_edit_covers_insert_delete_substitute_and_swap():
    assert analysis.within_one_edit("parkng", "parking")
    assert analysis.within_one_edit("flood", "flod")
    assert analysis.within_one_edit("sensor", "snesor")
    assert analysis.within_one_edit("sensor", "senser")
    assert not analysis.within_one_edit("sensor", "sonsar")


def test_typo_is_corrected_to_the_most_frequent_indexed_word():
    vocab = {"parking": 40, "parting": 2, "sensor": 10}
    fixed = analysis.correct_typos(
        "parkng sensor",
        known=lambda w: w in vocab,
        candidates=lambda w: [(t, f) for t, f in vocab.items() if t[0] == w[0]],
    )
    assert fixed == "parking sensor"


def test_short_words_are_not_corrected():
    fixed = analysis.correct_typos("bsu", known=lambda w: False, candidates=lambda w: [("bus", 9)])
    assert fixed == "bsu"


def test_synonyms_map_between_languages():
    added, _ = analysis.synonym_expansions("CCTV 설치")
    assert "영상감시" in added
    added, _ = analysis.synonym_expansions("수요응답형 교통")
    assert "demand responsive transport" in added
    added, _ = analysis.synonym_expansions("smart parking")
    assert "주차" in added


def test_synonym_file_is_parsed_into_groups():
    groups = analysis.load_synonyms()
    assert len(groups) > 50
    assert all(len(g.phrases) > 1 for g in groups)
