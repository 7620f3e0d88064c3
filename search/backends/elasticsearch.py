"""The Elasticsearch backend (8.x at ``settings.ELASTICSEARCH_URL``).

The live index is an alias (``SEARCH_INDEX_NAME``) over a versioned index
(``<name>-<timestamp>``); ``rebuild`` fills a new one with ``streaming_bulk`` and swaps the
alias in one ``update_aliases`` call. Filters sit in ``bool.filter`` so they do not score.
Request bodies are built by plain methods so unit tests can check them without a cluster.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterable

from django.conf import settings

from search import analysis
from search.types import SearchHit, SearchQuery, SearchResult, SearchUnavailable, Suggestion

from .base import COMMON_TERM_SHARE, MIN_DISTINCTIVE_MATCHES, SearchBackend

KO_FIELDS = ["name_ko^2", "summary_ko^1.5", "description_ko", "extra_ko"]
EN_FIELDS = ["name_en^2", "summary_en^1.5", "description_en", "extra_en"]
HIGHLIGHT_FIELDS = (
    "name_ko",
    "name_en",
    "summary_ko",
    "summary_en",
    "description_ko",
    "description_en",
)
KEYWORD_FACETS = {
    "category": "category",
    "tier": "tier",
    "country": "country",
    "deployment": "deployment",
    "standard": "standard",
}
SYNONYM_BOOST = 0.7


def query_words(text: str) -> list[str]:
    """The words of a search text that can match (Korean runs and Latin words, no stop words)."""
    return [w for w in analysis.TOKEN.findall(text.lower()) if w not in analysis.ENGLISH_STOPWORDS]


def valid_on_filter(cert_type: str | None, day: dt.date) -> dict:
    """Certifications (nested) of ``cert_type`` (any when None) whose window contains ``day``."""
    iso = day.isoformat()
    clauses = [
        {
            "bool": {
                "should": [
                    {"range": {"certifications.valid_from": {"lte": iso}}},
                    {"bool": {"must_not": {"exists": {"field": "certifications.valid_from"}}}},
                ],
                "minimum_should_match": 1,
            }
        },
        {
            "bool": {
                "should": [
                    {"range": {"certifications.valid_until": {"gte": iso}}},
                    {"bool": {"must_not": {"exists": {"field": "certifications.valid_until"}}}},
                ],
                "minimum_should_match": 1,
            }
        },
    ]
    if cert_type:
        clauses.insert(0, {"term": {"certifications.type": cert_type}})
    return {"bool": {"filter": clauses}}


class ElasticsearchBackend(SearchBackend):
    """Solutions in an Elasticsearch index behind an alias."""

    def __init__(self, **options):
        super().__init__(**options)
        self.url = options.get("url") or settings.ELASTICSEARCH_URL
        self.alias = options.get("index") or settings.SEARCH_INDEX_NAME
        self.korean = options.get("korean") or settings.SEARCH_KOREAN_ANALYZER
        self._client = None

    @property
    def client(self):
        if self._client is None:
            from elasticsearch import Elasticsearch

            if not self.url:
                raise SearchUnavailable("ELASTICSEARCH_URL is not set")
            self._client = Elasticsearch(self.url, request_timeout=10, max_retries=1)
        return self._client

    def _call(self, fn, *args, **kwargs):
        from elasticsearch import ApiError, TransportError

        try:
            return fn(*args, **kwargs)
        except (TransportError, ApiError, ConnectionError) as exc:
            raise SearchUnavailable(f"Elasticsearch: {exc}") from exc

    # -- bodies ----------------------------------------------------------------------------
    def text_clauses(self, text: str) -> list[dict]:
        """Scored clauses: the text over both languages' fields, plus synonym expansions."""
        if not text.strip():
            return []
        clauses = [
            {
                "multi_match": {
                    "query": text,
                    "fields": KO_FIELDS,
                    "type": "best_fields",
                    "tie_breaker": 0.3,
                }
            },
            {
                "multi_match": {
                    "query": text,
                    "fields": EN_FIELDS,
                    "type": "best_fields",
                    "tie_breaker": 0.3,
                    "fuzziness": "AUTO:5,100",
                    "prefix_length": 1,
                }
            },
        ]
        added, _ = analysis.synonym_expansions(text)
        for phrase in added:
            clauses.append(
                {
                    "multi_match": {
                        "query": phrase,
                        "fields": KO_FIELDS + EN_FIELDS,
                        "type": "cross_fields",
                        "operator": "and",
                        "boost": SYNONYM_BOOST,
                    }
                }
            )
        return clauses

    def filter_clauses(self, query: SearchQuery) -> list[dict]:
        """Filters for ``bool.filter`` (no effect on scores)."""
        from search.indexing import validity_date

        out = []
        if query.category:
            out.append({"terms": {"category": list(query.category)}})
        day = validity_date(query.valid_on)
        for cert_type in query.certification:
            out.append(
                {"nested": {"path": "certifications", "query": valid_on_filter(cert_type, day)}}
            )
        for field, values in (
            ("tier", query.tier),
            ("country", query.country),
            ("deployment", query.deployment),
            ("standard", query.standard),
            ("language", query.language),
        ):
            if values:
                out.append({"terms": {field: list(values)}})
        if query.price_max is not None:
            out.append({"range": {"price": {"lte": float(query.price_max)}}})
        return out

    def aggregations(self, query: SearchQuery) -> dict:
        from search.indexing import validity_date

        aggs = {
            name: {"terms": {"field": field, "size": 50}} for name, field in KEYWORD_FACETS.items()
        }
        aggs["certification"] = {
            "nested": {"path": "certifications"},
            "aggs": {
                "valid": {
                    "filter": valid_on_filter(None, validity_date(query.valid_on)),
                    "aggs": {
                        "types": {
                            "terms": {"field": "certifications.type", "size": 50},
                            "aggs": {"solutions": {"reverse_nested": {}}},
                        }
                    },
                }
            },
        }
        return aggs

    def sort_clause(self, query: SearchQuery, has_text: bool) -> list:
        if query.sort == "newest":
            return [{"published": "desc"}, {"tie": "asc"}]
        if query.sort == "evidence":
            return [{"evidence": "desc"}, "_score", {"tie": "asc"}]
        return ["_score", {"tie": "asc"}] if has_text else [{"tie": "asc"}]

    def search_body(self, query: SearchQuery, common_words: frozenset[str] = frozenset()) -> dict:
        """The ``_search`` request body for ``query``; ``common_words`` only rank what the
        other words find (``base.COMMON_TERM_SHARE``)."""
        words = query_words(query.text)
        rare = [w for w in words if w not in common_words]
        boolean: dict = {"filter": self.filter_clauses(query)}
        if common_words and rare:
            should = self.text_clauses(" ".join(rare))
            boolean["must"] = [{"bool": {"should": should, "minimum_should_match": 1}}]
            boolean["should"] = self.text_clauses(" ".join(w for w in words if w in common_words))
        else:
            should = self.text_clauses(query.text)
            if should:
                boolean["should"] = should
                boolean["minimum_should_match"] = 1
            elif query.text.strip():
                boolean["must_not"] = [{"match_all": {}}]  # only punctuation: nothing matches
        body = {
            "query": {"bool": boolean},
            "from": (query.page - 1) * query.page_size,
            "size": query.page_size,
            "sort": self.sort_clause(query, bool(should)),
            "track_total_hits": True,
            "_source": ["id"],
        }
        if query.facets:
            body["aggs"] = self.aggregations(query)
        if query.highlight and should:
            body["highlight"] = {
                "pre_tags": ["<b>"],
                "post_tags": ["</b>"],
                "encoder": "html",
                "fragment_size": 160,
                "number_of_fragments": 1,
                "fields": {f: {} for f in HIGHLIGHT_FIELDS},
            }
        return body

    def frequency_search(self, words: list[str]):
        """One size-0 count per word in one ``msearch``: the documents a query for the word
        alone matches in the text fields (its Korean particle dropped, as queries drop it), of
        which tantivy's per-term statistics give an estimate."""
        from elasticsearch.dsl import MultiSearch, Search

        fields = [f.split("^")[0] for f in KO_FIELDS + EN_FIELDS]
        search = MultiSearch(index=self.alias)
        for word in words:
            if not word:  # the whole index, for shares
                search = search.add(Search().extra(size=0, track_total_hits=True))
                continue
            text = " ".join(
                analysis.strip_korean_ending(t) if analysis.HANGUL_RUN.fullmatch(t) else t
                for t in analysis.TOKEN.findall(word.lower())
            )
            query = {"multi_match": {"query": text, "fields": fields}}
            search = search.add(Search().query(query).extra(size=0, track_total_hits=True))
        return search

    def suggest_body(self, prefix: str, limit: int) -> dict:
        return {
            "size": limit,
            "_source": ["id", "name_ko", "name_en"],
            "query": {
                "multi_match": {
                    "query": prefix,
                    "type": "bool_prefix",
                    "fields": ["name_suggest", "name_suggest._2gram", "name_suggest._3gram"],
                }
            },
            "sort": ["_score", {"tie": "asc"}],
        }

    def bulk_actions(self, documents: Iterable[dict], index: str | None = None):
        from search.documents import to_es_source

        for doc in documents:
            yield {
                "_op_type": "index",
                "_index": index or self.alias,
                "_id": str(doc["id"]),
                "_source": to_es_source(doc),
            }

    def alias_actions(self, old: list[str], new: str) -> dict:
        """One atomic ``update_aliases`` body: point the alias at ``new`` only."""
        actions = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions.append({"add": {"index": new, "alias": self.alias}})
        return {"actions": actions}

    # -- operations ------------------------------------------------------------------------
    def _new_index(self) -> str:
        from search.documents import index_definition

        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 1_000_000:06d}"
        body = index_definition(name, self.korean)
        self._call(
            self.client.indices.create,
            index=name,
            settings=body["settings"],
            mappings=body["mappings"],
        )
        return name

    def _alias_targets(self) -> list[str]:
        from elasticsearch import NotFoundError

        try:
            return list(self.client.indices.get_alias(name=self.alias).keys())
        except NotFoundError:
            return []

    def _ensure_index(self) -> None:
        if not self._call(self._alias_targets):
            new = self._new_index()
            self._call(self.client.indices.update_aliases, **self.alias_actions([], new))

    def index(self, documents: Iterable[dict]) -> int:
        """Index documents by id through the alias, refreshing so readers see them now."""
        from elasticsearch.helpers import streaming_bulk

        self._ensure_index()
        count = 0

        def run():
            nonlocal count
            for ok, _ in streaming_bulk(
                self.client, self.bulk_actions(documents), chunk_size=500, refresh="wait_for"
            ):
                count += int(ok)

        self._call(run)
        return count

    def delete(self, solution_ids: Iterable[int]) -> None:
        """Delete documents; missing ones are ignored."""
        from elasticsearch.helpers import streaming_bulk

        actions = [
            {"_op_type": "delete", "_index": self.alias, "_id": str(i)} for i in solution_ids
        ]
        if not actions:
            return
        self._ensure_index()

        def run():
            for _ in streaming_bulk(
                self.client,
                actions,
                raise_on_error=False,
                raise_on_exception=False,
                refresh="wait_for",
            ):
                pass

        self._call(run)

    def rebuild(self, documents: Iterable[dict], progress=None) -> int:
        """Fill a new versioned index, then swap the alias to it and drop the old ones."""
        from elasticsearch.helpers import streaming_bulk

        new = self._new_index()
        count = 0

        def run():
            nonlocal count
            for ok, _ in streaming_bulk(
                self.client, self.bulk_actions(documents, new), chunk_size=1000
            ):
                count += int(ok)
                if progress:
                    progress(count)
            self.client.indices.refresh(index=new)
            old = self._alias_targets()
            self.client.indices.update_aliases(**self.alias_actions(old, new))
            for name in old:
                self.client.indices.delete(index=name, ignore_unavailable=True)

        self._call(run)
        return count

    def common_words(self, text: str) -> frozenset[str]:
        """The query's words found in more than ``COMMON_TERM_SHARE`` of the documents, when
        it has other words too (one ``msearch`` of counts); none for a one-word query."""
        words = list(dict.fromkeys(query_words(text)))
        if len(words) < 2:
            return frozenset()
        search = self.frequency_search([*words, ""]).using(self.client)
        *counts, everything = (int(r.hits.total.value) for r in self._call(search.execute))
        common = {
            w for w, n in zip(words, counts, strict=True) if n > COMMON_TERM_SHARE * everything
        }
        return frozenset(common) if len(common) < len(words) else frozenset()

    def korean_word_search(self, words: list[str]):
        """One size-0 count per Korean word in one ``msearch``: the documents holding all of
        the word's pieces in one Korean field (for :func:`analysis.correct_korean_typos`)."""
        from elasticsearch.dsl import MultiSearch, Search

        fields = [f.split("^")[0] for f in KO_FIELDS]
        search = MultiSearch(index=self.alias)
        for word in words:
            query = {"multi_match": {"query": word, "fields": fields, "operator": "and"}}
            search = search.add(Search().query(query).extra(size=0, track_total_hits=True))
        return search

    def korean_word_counts(self, words: list[str]) -> dict[str, int]:
        search = self.korean_word_search(words).using(self.client)
        counts = (int(r.hits.total.value) for r in self._call(search.execute))
        return dict(zip(words, counts, strict=True))

    def search(self, query: SearchQuery) -> SearchResult:
        """Run ``query``; hits, total, facets and highlights in the shared shape."""
        self._ensure_index()
        # English typos are matched by the query's fuzziness, without a rewritten query
        typed = query.text
        text = analysis.correct_korean_typos(typed, self.korean_word_counts)
        if text != typed:
            query = dataclasses.replace(query, text=text)
        common = self.common_words(query.text)
        body = self.search_body(query, common)
        resp = self._call(self.client.search, index=self.alias, **body)
        if common and int(resp["hits"]["total"]["value"]) < MIN_DISTINCTIVE_MATCHES:
            body = self.search_body(query)  # the distinctive words alone find too few
            resp = self._call(self.client.search, index=self.alias, **body)
        hits = [
            SearchHit(
                solution_id=int(h["_source"]["id"]),
                score=float(h.get("_score") or 0.0),
                highlights={k: list(v) for k, v in h.get("highlight", {}).items()},
            )
            for h in resp["hits"]["hits"]
        ]
        facets = {}
        if query.facets and "aggregations" in resp:
            aggs = resp["aggregations"]
            facets = {
                name: {b["key"]: b["doc_count"] for b in aggs[name]["buckets"]}
                for name in KEYWORD_FACETS
            }
            facets["certification"] = {
                b["key"]: b["solutions"]["doc_count"]
                for b in aggs["certification"]["valid"]["types"]["buckets"]
            }
        return SearchResult(
            hits=hits,
            total=int(resp["hits"]["total"]["value"]),
            facets=facets,
            page=query.page,
            page_size=query.page_size,
            corrected_text=text if text != typed else "",
        )

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Names (either language) completing ``prefix``."""
        if not prefix.strip():
            return []
        self._ensure_index()
        resp = self._call(self.client.search, index=self.alias, **self.suggest_body(prefix, limit))
        out = []
        last = prefix.lower().split()[-1]
        for h in resp["hits"]["hits"]:
            src = h["_source"]
            ko, en = src.get("name_ko") or "", src.get("name_en") or ""
            if ko and (last in ko.lower() or not en):
                out.append(Suggestion(int(src["id"]), ko, "ko"))
            else:
                out.append(Suggestion(int(src["id"]), en, "en"))
        return out

    def document_frequencies(self, words: Iterable[str]) -> dict[str, int]:
        """Per word, how many documents hold it (``frequency_search``): one request in all."""
        words = list(dict.fromkeys(words))
        if not words:
            return {}
        self._ensure_index()
        search = self.frequency_search(words).using(self.client)
        responses = self._call(search.execute)
        return {w: int(r.hits.total.value) for w, r in zip(words, responses, strict=True)}

    def health(self) -> dict:
        """Cluster health and the indexed documents' count; never raises."""
        try:
            info = self.client.cluster.health()
            out = {
                "ok": info["status"] in ("green", "yellow"),
                "engine": "elasticsearch",
                "status": info["status"],
            }
        except Exception as exc:  # noqa: BLE001 - health never raises
            return {"ok": False, "engine": "elasticsearch", "error": str(exc)}
        try:
            out["documents"] = int(self.client.count(index=self.alias)["count"])
        except Exception:  # noqa: BLE001,S110 - no index yet: the count is simply unknown
            pass
        return out

    def indexed_versions(self) -> dict[int, str]:
        """Every indexed id with its version stamp (scrolls the whole index)."""
        from elasticsearch.helpers import scan

        self._ensure_index()

        def run():
            return {
                int(h["_source"]["id"]): h["_source"].get("version", "")
                for h in scan(
                    self.client,
                    index=self.alias,
                    _source=["id", "version"],
                    query={"query": {"match_all": {}}},
                )
            }

        return self._call(run)
