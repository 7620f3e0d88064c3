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


def test_jamo_variants_change_one_initial_vowel_or_final():
    variants = analysis.jamo_variants("통")
    assert len(variants) == 18 + 20 + 27 == len(set(variants))
    assert "통" not in variants
    assert {"퉁", "동", "토", "톤"} <= set(variants)  # vowel, initial, final dropped, final changed
    assert all("\uac00" <= v <= "\ud7a3" for v in variants)


def _index(words: dict[str, int]):
    """A stand-in for the engine's word counts; records each round trip."""
    calls = []

    def counts(asked):
        calls.append(list(asked))
        return {w: words.get(w, 0) for w in asked}

    return counts, calls


def test_a_mistyped_korean_word_becomes_its_commonest_variant_the_index_holds():
    counts, calls = _index({"플랫폼": 40, "교통": 90, "교둥": 3, "신호": 50})
    fixed = analysis.correct_korean_typos("전기차 플렛폼을 교퉁 신호", counts)
    assert fixed == "전기차 플랫폼을 교통 신호"  # the particle stays; 교통 is commoner than 교둥
    assert len(calls) == 2  # one count of the words as typed, one of every variant


def test_korean_words_the_index_holds_or_cannot_fix_stay_as_typed():
    counts, calls = _index({"교통": 90})
    assert analysis.correct_korean_typos("교통 신호 버", counts) == "교통 신호 버"
    assert calls[0] == ["교통", "신호"]  # one syllable is never checked
    counts, calls = _index({"교통": 90})
    assert analysis.correct_korean_typos("교통 English", counts) == "교통 English"
    assert len(calls) == 1  # nothing unknown: no variants counted
