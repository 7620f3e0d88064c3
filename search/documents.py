"""The Elasticsearch solution index, defined with elasticsearch-dsl: mapping and analyzers.

Korean uses the built-in ``cjk`` bigram analysis by default, or ``nori`` (a plugin) when
``settings.SEARCH_KOREAN_ANALYZER == "nori"``; English is stemmed; search-time analyzers carry
the synonym groups of ``search/synonyms.txt``. Certifications are nested with their validity
dates so "valid on D" is a date-range filter.
"""

from __future__ import annotations

from django.conf import settings
from elasticsearch.dsl import (
    Date,
    Document,
    Float,
    Index,
    InnerDoc,
    Integer,
    Keyword,
    Long,
    Nested,
    SearchAsYouType,
    Text,
    analyzer,
    token_filter,
)

from search import analysis

synonyms = token_filter(
    "sce_synonyms", type="synonym_graph", synonyms=analysis.synonym_lines(), lenient=True
)
english_stem = token_filter("sce_english_stemmer", type="stemmer", language="english")


def korean_analyzers(kind: str | None = None):
    """(index analyzer, search analyzer) for Korean text: ``cjk`` bigrams or ``nori``."""
    kind = kind or getattr(settings, "SEARCH_KOREAN_ANALYZER", "cjk")
    if kind == "nori":
        base = {"tokenizer": "nori_tokenizer", "filter": ["lowercase"]}
        return (
            analyzer("sce_ko", **base),
            analyzer("sce_ko_search", tokenizer="nori_tokenizer", filter=["lowercase", synonyms]),
        )
    return (
        analyzer("sce_ko", tokenizer="standard", filter=["cjk_width", "lowercase", "cjk_bigram"]),
        analyzer(
            "sce_ko_search",
            tokenizer="standard",
            filter=["cjk_width", "lowercase", synonyms, "cjk_bigram"],
        ),
    )


english = analyzer("sce_en", tokenizer="standard", filter=["lowercase", english_stem])
english_search = analyzer(
    "sce_en_search", tokenizer="standard", filter=["lowercase", synonyms, english_stem]
)
words_analyzer = analyzer("sce_words", tokenizer="standard", filter=["lowercase"])


class CertificationDoc(InnerDoc):
    type = Keyword()
    valid_from = Date()
    valid_until = Date()


def solution_document_class(index_name: str, korean: str | None = None) -> type[Document]:
    """The ``Document`` class for one concrete (versioned) index name."""
    ko, ko_search = korean_analyzers(korean)

    def ko_text(**kw):
        return Text(analyzer=ko, search_analyzer=ko_search, **kw)

    def en_text(**kw):
        return Text(analyzer=english, search_analyzer=english_search, **kw)

    class SolutionDocument(Document):
        id = Long()
        version = Keyword()
        name_ko = ko_text(fields={"words": Text(analyzer=words_analyzer)})
        name_en = en_text(fields={"words": Text(analyzer=words_analyzer)})
        summary_ko = ko_text()
        summary_en = en_text()
        description_ko = ko_text()
        description_en = en_text()
        extra_ko = ko_text()
        extra_en = en_text()
        words = Text(analyzer=words_analyzer)
        name_suggest = SearchAsYouType(analyzer=words_analyzer)
        category = Keyword()
        certifications = Nested(CertificationDoc)
        tier = Keyword()
        country = Keyword()
        deployment = Keyword()
        standard = Keyword()
        language = Keyword()
        price = Float()
        published = Date()
        evidence = Integer()
        tie = Long()

        class Index:
            name = index_name
            settings = {"number_of_shards": 1, "number_of_replicas": 0}

    return SolutionDocument


def index_definition(index_name: str, korean: str | None = None) -> dict:
    """The settings and mappings body for creating ``index_name`` (checked in unit tests)."""
    doc = solution_document_class(index_name, korean)
    index = Index(index_name)
    index.settings(number_of_shards=1, number_of_replicas=0)
    index.document(doc)
    return index.to_dict()


def to_es_source(doc: dict) -> dict:
    """A search document (``search.indexing.solution_to_document``) as the ``_source`` we index."""
    from search.backends.tantivy import stable_hash

    extra_en = [
        *doc.get("pilots_en", []),
        *doc.get("kpis", []),
        *(t.replace("-", " ") for t in doc.get("tags", [])),
        *doc.get("standards", []),
        *doc.get("pilot_cities", []),
        doc.get("vendor_en", ""),
    ]
    extra_ko = [*doc.get("pilots_ko", []), doc.get("vendor_ko", "")]
    text_fields = (
        "name_ko",
        "name_en",
        "summary_ko",
        "summary_en",
        "description_ko",
        "description_en",
    )
    return {
        "id": doc["id"],
        "version": doc.get("version", ""),
        **{f: doc.get(f, "") for f in text_fields},
        "extra_ko": [t for t in extra_ko if t],
        "extra_en": [t for t in extra_en if t],
        "words": " ".join([*(doc.get(f, "") for f in text_fields), *extra_ko, *extra_en]),
        "name_suggest": " ".join(x for x in (doc.get("name_ko"), doc.get("name_en")) if x),
        "category": doc.get("category"),
        "certifications": doc.get("certifications", []),
        "tier": doc.get("tiers", []),
        "country": doc.get("countries", []),
        "deployment": doc.get("deployment", []),
        "standard": doc.get("standards", []),
        "language": doc.get("languages", []),
        "price": doc.get("price_krw"),
        "published": doc.get("published_at"),
        "evidence": doc.get("evidence", 0),
        "tie": stable_hash(int(doc["id"])),
    }
