"""Relevance measures (nDCG@10, recall@10, MRR) and the plain-BM25 baseline they are compared with.

Gains are the judged grades (0-3, linear); a solution a set does not judge counts as 0.
Recall and MRR count a solution as relevant from grade 2 ("relevant") up.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Callable, Iterable

import tantivy

RELEVANT_GRADE = 2
K = 10


def dcg(gains: Iterable[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranking: list[str], grades: dict[str, int], k: int = K) -> float:
    """Normalised DCG of the first ``k`` of ``ranking`` against the judged ``grades``."""
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg(grades.get(s, 0) for s in ranking[:k]) / ideal


def recall_at(ranking: list[str], grades: dict[str, int], k: int = K) -> float:
    relevant = {s for s, g in grades.items() if g >= RELEVANT_GRADE}
    if not relevant:
        return 0.0
    return len(relevant & set(ranking[:k])) / len(relevant)


def reciprocal_rank(ranking: list[str], grades: dict[str, int]) -> float:
    for i, s in enumerate(ranking):
        if grades.get(s, 0) >= RELEVANT_GRADE:
            return 1.0 / (i + 1)
    return 0.0


def judgements_by_query(data: dict) -> dict[str, dict[str, int]]:
    query_ids = {q["id"] for q in data.get("queries", [])}
    out: dict[str, dict[str, int]] = {q: {} for q in query_ids}
    for j in data.get("judgements", []):
        if j["for"] in query_ids:
            out[j["for"]][j["solution"]] = int(j["grade"])
    return out


def score_rankings(rankings: dict[str, list[str]], data: dict) -> dict[str, float]:
    """Mean nDCG@10, recall@10 and MRR of ``rankings`` (query id -> solution ids)."""
    judged = judgements_by_query(data)
    rows = [
        (
            ndcg_at(rankings.get(q, []), g),
            recall_at(rankings.get(q, []), g),
            reciprocal_rank(rankings.get(q, []), g),
        )
        for q, g in judged.items()
    ]
    n = max(len(rows), 1)
    return {
        "ndcg@10": sum(r[0] for r in rows) / n,
        "recall@10": sum(r[1] for r in rows) / n,
        "mrr": sum(r[2] for r in rows) / n,
        "queries": len(rows),
    }


def per_query_ndcg(rankings: dict[str, list[str]], data: dict) -> dict[str, float]:
    return {q: ndcg_at(rankings.get(q, []), g) for q, g in judgements_by_query(data).items()}


def document_text(doc: dict) -> str:
    """All the text of a search document, for the plain baseline."""
    parts = [
        doc.get(k, "")
        for k in (
            "name_ko",
            "name_en",
            "summary_ko",
            "summary_en",
            "description_ko",
            "description_en",
            "vendor_ko",
            "vendor_en",
        )
    ]
    for key in ("pilots_ko", "pilots_en", "kpis", "tags", "standards"):
        parts.extend(doc.get(key, []))
    return "\n".join(p for p in parts if p)


class PlainBM25:
    """Tantivy's default analysis (words, lower case) over one field of all text; no extras."""

    def __init__(self, documents: Iterable[dict], filter_fn: Callable | None = None):
        sb = tantivy.SchemaBuilder()
        sb.add_unsigned_field("id", stored=True, fast=True)
        sb.add_text_field("text")
        sb.add_text_field("category", tokenizer_name="raw")
        self.index = tantivy.Index(sb.build(), path=tempfile.mkdtemp(prefix="bm25-"))
        writer = self.index.writer(heap_size=50_000_000, num_threads=1)
        for doc in documents:
            out = tantivy.Document()
            out.add_unsigned("id", int(doc["id"]))
            out.add_text("text", document_text(doc))
            out.add_text("category", doc.get("category", ""))
            writer.add_document(out)
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()

    def search(
        self, text: str, category: list[str] | tuple[str, ...] = (), limit: int = K
    ) -> list[int]:
        words = re.findall(r"\w+", text.lower())
        searcher = self.index.searcher()
        terms = [
            (tantivy.Occur.Should, tantivy.Query.term_query(self.index.schema, "text", w))
            for w in words
        ]
        query = tantivy.Query.boolean_query(terms)
        if category:
            query = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, query),
                    (
                        tantivy.Occur.Must,
                        tantivy.Query.term_set_query(self.index.schema, "category", list(category)),
                    ),
                ]
            )
        hits = searcher.search(query, limit=limit).hits
        return [int(searcher.doc(a).get_first("id")) for _, a in hits]
