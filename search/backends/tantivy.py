"""The embedded backend: tantivy (Rust, in-process BM25), persisted under SEARCH_INDEX_DIR.

Layout: ``SEARCH_INDEX_DIR/current`` is a symlink to the live ``index-<ns>`` directory, so a
rebuild fills a fresh directory and swaps the link atomically; readers never see an empty index.
Several processes share it: each write takes tantivy's writer lock briefly (retrying on
``LockBusy``) and readers reload when the directory's ``meta.json`` changes.
Tokenizers are not stored in the index, so they are registered after every open.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import functools
import hashlib
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import tantivy
from django.conf import settings

from catalogue.vocabularies import CertificationType
from search import analysis
from search.parallel import beside
from search.types import (
    SearchHit,
    SearchIndexOutdated,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    Suggestion,
)

from .base import COMMON_TERM_SHARE, MIN_DISTINCTIVE_MATCHES, SearchBackend

KO_FIELDS = {"name_ko": 2.0, "summary_ko": 1.5, "description_ko": 1.0, "extra_ko": 1.0}
EN_FIELDS = {"name_en": 2.0, "summary_en": 1.5, "description_en": 1.0, "extra_en": 1.0}
WORDS_BOOST = 0.6
TYPO_BOOST = 1.5
SYNONYM_BOOST = 0.7
DISMAX_TIE = 0.3
HIGHLIGHT_FIELDS = (
    "name_ko",
    "name_en",
    "summary_ko",
    "summary_en",
    "description_ko",
    "description_en",
)
# Facets. tantivy's terms aggregation counts a fast field that holds exactly one value in every
# document some ten times faster than one that may hold several (per 100,000 documents: 0.12 ms,
# against 1.4 ms at one value each and 4.6 ms at three). Only the category is single-valued, so
# the others are counted on single-valued fields made for it, and their counts added up here:
# - a closed vocabulary, as the document's set of values in one field ("city+county"): a bucket
#   per combination (at most 2^n), counted for each value in it;
# - an open one, in FACET_SLOTS fields: the document's i-th value in the i-th ("" where it has
#   fewer), and any past the last slot in an overflow field, counted only when some document
#   has one (its first value is then OVERFLOW_MARK).
# The multi-valued fields stay indexed for the filters.
FACET_SINGLE = ("category",)
FACET_SETS = {"tier": "tier_set", "deployment": "deployment_set"}
FACET_SLOTTED = {"country": "country_slot", "standard": "standard_slot"}
FACET_SLOTS = 4
OVERFLOW_MARK = "*"
FACET_SIZE = 50  # values shown per facet, most frequent first
ALL_BUCKETS = 65_536
CERT_TYPES = tuple(CertificationType.values)
OPEN_START = dt.date(1970, 1, 1)
OPEN_END = dt.date(2099, 12, 31)
LOCK_RETRY_SECONDS = 10.0
REBUILD_HEAP = 512_000_000  # bytes, shared by the two indexing threads of a rebuild
# Suggest looks a prefix of up to this many characters up as one term of ``name_prefix``: such
# short prefixes start hundreds of words, more than a phrase-prefix query expands (50). A longer
# prefix starts few words, so the phrase-prefix query on ``name_words`` finds them all; indexing
# prefixes up to 12 characters instead cost a rebuild ~6 % of its CPU.
PREFIX_MAX = 4
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*")


@dataclasses.dataclass(frozen=True)
class TextQuery:
    """The text part of one search: scored, as a flat union for the facets, its languages, and
    the query with every term matching when the scored one keeps common terms for ranking."""

    scored: tantivy.Query
    match: tantivy.Query
    langs: set[str]
    broader: TextQuery | None = None
    text: str = ""  # the words searched for, after typo correction


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def stable_hash(solution_id: int) -> int:
    """A per-solution number that orders ties the same way everywhere, unrelated to id order."""
    digest = hashlib.blake2b(str(solution_id).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


@functools.lru_cache(maxsize=4096)
def validity_terms(cert_type: str, start: dt.date | None, end: dt.date | None) -> tuple[str, ...]:
    """Cover [start, end] with few disjoint terms (about six for a certificate of some years).

    Whole decades (``gs|203x``, for open ends) and years (``gs|2025``); in a year, a run of
    whole months from January (``gs|2026|..03``), to December (``gs|2023|04..``) or else month
    by month (``gs|2026-03``); in a month, a run of days from the 1st (``gs|2026-05|..28``), to
    the month's end (``gs|2023-03|15..``) or else day by day (``gs|2026-03-05``). "Valid on D"
    is then a lookup of D's :func:`day_keys`, exact to the day; and as the facet's terms
    aggregation visits every term of every matching document, few terms keep it fast.
    """
    day, last = start or OPEN_START, end or OPEN_END
    out = []
    while day <= last:
        if day.month == 1 and day.day == 1:
            if day.year % 10 == 0 and day.year + 9 <= last.year:
                decade_end = dt.date(day.year + 9, 12, 31)
                if decade_end <= last:
                    out.append(f"{cert_type}|{day.year // 10}x")
                    day = decade_end + dt.timedelta(days=1)
                    continue
            year_end = dt.date(day.year, 12, 31)
            if year_end <= last:
                out.append(f"{cert_type}|{day.year}")
                day = year_end + dt.timedelta(days=1)
                continue
        month_end = _month_end(day)
        if day.day == 1 and month_end <= last:
            # whole months from here: as far as the year's end or the last whole month
            until = day.month
            while until < 12 and _month_end(day.replace(month=until + 1)) <= last:
                until += 1
            if day.month == 1:
                out.append(f"{cert_type}|{day.year}|..{until:02d}")
            elif until == 12:
                out.append(f"{cert_type}|{day.year}|{day.month:02d}..")
            else:
                out.extend(f"{cert_type}|{day.year}-{m:02d}" for m in range(day.month, until + 1))
            day = _month_end(day.replace(month=until)) + dt.timedelta(days=1)
            continue
        until = min(month_end, last)
        prefix = f"{cert_type}|{day.year}-{day.month:02d}"
        if day.day == 1:
            out.append(f"{prefix}|..{until.day:02d}")
        elif until == month_end:
            out.append(f"{prefix}|{day.day:02d}..")
        else:
            out.extend(f"{prefix}-{d:02d}" for d in range(day.day, until.day + 1))
        day = until + dt.timedelta(days=1)
    return tuple(out)


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def certification_terms(certifications: Iterable[dict]) -> list[str]:
    """Validity terms of all certifications, overlapping periods of one type merged first.

    After the merge a day is covered by at most one term per type, so counting documents per
    term (one terms aggregation) counts each solution once per type: the facet stays exact.
    """
    periods: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for cert in certifications:
        start = dt.date.fromisoformat(cert["valid_from"]) if cert.get("valid_from") else OPEN_START
        end = dt.date.fromisoformat(cert["valid_until"]) if cert.get("valid_until") else OPEN_END
        if start <= end:
            periods.setdefault(cert["type"], []).append((start, end))
    out: list[str] = []
    for cert_type, spans in periods.items():
        merged: list[list[dt.date]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1] + dt.timedelta(days=1):
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        for start, end in merged:
            out.extend(validity_terms(cert_type, start, end))
    return out


def name_prefixes(names: str) -> set[str]:
    """Every prefix (up to ``PREFIX_MAX`` characters) of every word of the names: for suggest."""
    return {
        word[:n]
        for word in analysis.word_analyzer().analyze(names)
        for n in range(1, min(len(word), PREFIX_MAX) + 1)
    }


@functools.lru_cache(maxsize=64)
def day_keys(day: dt.date) -> tuple[str, ...]:
    """Every term form of :func:`validity_terms` that covers ``day`` (without the type).

    Forms it never writes are left out (``2026|..12`` is the year, ``2026-05|01..`` starts
    with ``..``), as the facet's include list and the filter are shorter without them.
    """
    year, month = str(day.year), f"{day.year}-{day.month:02d}"
    month_days = _month_end(day).day
    return (
        f"{day.year // 10}x",
        year,
        month,
        day.isoformat(),
        *(f"{year}|..{m:02d}" for m in range(day.month, 12)),
        *(f"{year}|{m:02d}.." for m in range(2, day.month + 1)),
        *(f"{month}|..{d:02d}" for d in range(day.day, month_days)),
        *(f"{month}|{d:02d}.." for d in range(2, day.day + 1)),
    )


@functools.lru_cache(maxsize=16)
def facet_aggregations(day: dt.date) -> dict:
    """The facets' aggregation request for certifications valid on ``day`` (shared: read it,
    never change it). Its certification part lists every validity term that covers the day,
    some four hundred strings: built once a day instead of in every search."""
    aggs: dict = {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in FACET_SINGLE}
    # sets and slots: every bucket, so that each value's sum is exact
    for field in FACET_SETS.values():
        aggs[field] = {"terms": {"field": field, "size": ALL_BUCKETS}}
    for field in FACET_SLOTTED.values():
        for i in range(FACET_SLOTS):
            aggs[f"{field}{i}"] = {"terms": {"field": f"{field}{i}", "size": ALL_BUCKETS}}
    keys = day_keys(day)
    include = [f"{cert_type}|{k}" for cert_type in CERT_TYPES for k in keys]
    aggs["cert"] = {"terms": {"field": "cert", "size": len(include), "include": include}}
    return aggs


def build_schema() -> tantivy.Schema:
    """The index's fields. Scored text keeps term frequencies but no positions: only term and
    fuzzy queries run on it (BM25 needs no positions), and recording them cost a rebuild ~10%.
    ``name_words`` keeps positions for the phrase-prefix query of suggest."""
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    sb.add_unsigned_field("tie", fast=True)
    # Keyword fields record which documents hold a value, nothing more ("basic"): they are only
    # filtered and counted on, and positions (the default) cost a rebuild some 5 % of its CPU.
    sb.add_text_field("version", stored=True, tokenizer_name="raw", index_option="basic")
    for name in ("name_ko", "summary_ko", "description_ko"):
        sb.add_text_field(name, stored=True, tokenizer_name="ko", index_option="freq")
    for name in ("name_en", "summary_en", "description_en"):
        sb.add_text_field(name, stored=True, tokenizer_name="en", index_option="freq")
    sb.add_text_field("extra_ko", tokenizer_name="ko", index_option="freq")
    sb.add_text_field("extra_en", tokenizer_name="en", index_option="freq")
    sb.add_text_field("words", tokenizer_name="words", index_option="freq")
    sb.add_text_field("name_words", tokenizer_name="words")
    # validity terms, counted for the facet by one terms aggregation (hence fast)
    sb.add_text_field("cert", tokenizer_name="raw", fast=True, index_option="basic")
    # short prefixes of name words, handed over as one string (one value costs less than 15)
    sb.add_text_field("name_prefix", tokenizer_name="whitespace")
    sb.add_text_field("category", tokenizer_name="raw", fast=True, index_option="basic")
    for name in ("tier", "country", "deployment", "standard", "language"):
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    # the facets' single-valued forms (see FACET_SETS and FACET_SLOTTED)
    for field in FACET_SETS.values():
        sb.add_text_field(field, tokenizer_name="raw", fast=True, index_option="basic")
    for field in FACET_SLOTTED.values():
        for i in range(FACET_SLOTS):
            sb.add_text_field(f"{field}{i}", tokenizer_name="raw", fast=True, index_option="basic")
        sb.add_text_field(f"{field}_more", tokenizer_name="raw", fast=True, index_option="basic")
    sb.add_float_field("price", indexed=True, fast=True)
    sb.add_integer_field("published", fast=True)
    sb.add_unsigned_field("evidence_rank", fast=True)
    return sb.build()


def register_tokenizers(index: tantivy.Index) -> None:
    index.register_tokenizer("ko", analysis.korean_analyzer())
    index.register_tokenizer("en", analysis.english_analyzer())
    index.register_tokenizer("words", analysis.word_analyzer())


TEXT_FIELDS = ("name_ko", "summary_ko", "description_ko", "name_en", "summary_en", "description_en")
# index field -> the search document's key it is filled from
FACET_SOURCES = (
    ("tier", "tiers"),
    ("country", "countries"),
    ("deployment", "deployment"),
    ("standard", "standards"),
    ("language", "languages"),
)


def to_tantivy(doc: dict) -> tantivy.Document:
    """One search document (``search.indexing.solution_to_document``) as a tantivy document.

    The fields are gathered in a dict and handed over in one call: a rebuild converts every
    solution, and a call per value (some fifty per document) cost more than the rest.
    """
    get = doc.get
    sid = int(doc["id"])
    tie = stable_hash(sid)
    fields: dict = {"id": sid, "tie": tie, "version": get("version", "")}
    for name in TEXT_FIELDS:
        if value := get(name):
            fields[name] = value
    kpis = get("kpis", [])
    extra_ko = [t for t in (*get("pilots_ko", []), get("vendor_ko")) if t]
    extra_en = [
        t
        for t in (
            *get("pilots_en", []),
            *kpis,
            *(t.replace("-", " ") for t in get("tags", [])),
            *get("standards", []),
            *get("pilot_cities", []),
            get("vendor_en"),
        )
        if t
    ]
    fields["extra_ko"] = extra_ko + [t for t in kpis if analysis.HANGUL_RUN.search(t)]
    # one value: the same tokens as a list of them, for a third of the cost of handing it over
    fields["extra_en"] = " ".join(extra_en)
    # Unstemmed words for typo correction and exact matches: the English text, plus the
    # Latin-script words (CCTV, IoT, AI) inside Korean text.
    korean = " ".join(
        t for t in (get("name_ko"), get("summary_ko"), get("description_ko"), *extra_ko) if t
    )
    fields["words"] = " ".join(
        t
        for t in (
            get("name_en"),
            get("summary_en"),
            get("description_en"),
            fields["extra_en"],
            " ".join(LATIN.findall(korean)),
        )
        if t
    )
    names = f"{get('name_ko', '')} {get('name_en', '')}"
    fields["name_words"] = names
    fields["name_prefix"] = " ".join(name_prefixes(names))
    fields["category"] = get("category", "")
    fields["cert"] = certification_terms(get("certifications", []))
    for field, key in FACET_SOURCES:
        fields[field] = list(get(key, []))
    for name, field in FACET_SETS.items():
        fields[field] = "+".join(sorted(set(fields[name])))
    for name, field in FACET_SLOTTED.items():
        values = list(dict.fromkeys(fields[name]))
        for i in range(FACET_SLOTS):
            fields[f"{field}{i}"] = values[i] if i < len(values) else ""
        if more := values[FACET_SLOTS:]:
            fields[f"{field}_more"] = [OVERFLOW_MARK, *more]
    if (price := get("price_krw")) is not None:
        fields["price"] = float(price)
    published = get("published_at")
    fields["published"] = int(dt.datetime.fromisoformat(published).timestamp()) if published else 0
    fields["evidence_rank"] = (min(int(get("evidence", 0)), 1023) << 53) | (tie >> 10)
    return tantivy.Document.from_dict(fields, _document_schema())


@functools.cache
def _document_schema() -> tantivy.Schema:
    return build_schema()


class TantivyBackend(SearchBackend):
    """Embedded tantivy index; safe to share between processes on one machine."""

    def __init__(self, **options):
        super().__init__(**options)
        self.base = Path(options.get("path") or settings.SEARCH_INDEX_DIR)
        self.schema = build_schema()
        self._lock = threading.RLock()
        self._index: tantivy.Index | None = None
        self._target: str | None = None
        self._meta_mtime: int | None = None

    # -- opening and reloading ------------------------------------------------------------
    def _current_link(self) -> Path:
        return self.base / "current"

    def _ensure_current(self) -> str:
        link = self._current_link()
        try:
            return os.readlink(link)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise SearchUnavailable(f"search index at {self.base} cannot be read: {exc}") from exc
        try:
            self.base.mkdir(parents=True, exist_ok=True)
            with open(self.base / ".init.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not link.is_symlink():
                    name = f"index-{time.time_ns()}"
                    (self.base / name).mkdir()
                    index = tantivy.Index(self.schema, path=str(self.base / name))
                    register_tokenizers(index)
                    self._swap_link(name)
            return os.readlink(link)
        except OSError as exc:
            raise SearchUnavailable(
                f"search index at {self.base} cannot be created: {exc}"
            ) from exc

    def _swap_link(self, name: str) -> None:
        tmp = self.base / f".current-{os.getpid()}-{time.time_ns()}"
        os.symlink(name, tmp)
        os.replace(tmp, self._current_link())

    def _open(self) -> tantivy.Index:
        """The live index, reopened after a rebuild and reloaded after another process commits."""
        with self._lock:
            target = self._ensure_current()
            path = self.base / target
            try:
                mtime = (path / "meta.json").stat().st_mtime_ns
                if self._index is None or target != self._target:
                    index = tantivy.Index.open(str(path))
                    if index.schema != self.schema:
                        # an index from before an upgrade: reading it with this code's fields
                        # would fail on some queries or, worse, quietly find less
                        raise SearchIndexOutdated(
                            f"search index at {path} has other fields than this version "
                            "defines: run `manage.py search_index rebuild` (or `repair`)"
                        )
                    register_tokenizers(index)
                    self._index, self._target, self._meta_mtime = index, target, mtime
                elif mtime != self._meta_mtime:
                    self._index.reload()
                    self._meta_mtime = mtime
            except (OSError, ValueError) as exc:
                self._index = None
                raise SearchUnavailable(f"search index at {path} cannot be opened: {exc}") from exc
            return self._index

    def _searcher(self) -> tuple[tantivy.Index, tantivy.Searcher]:
        index = self._open()
        return index, index.searcher()

    # -- writing ---------------------------------------------------------------------------
    def _writer(self, index: tantivy.Index, heap: int = 50_000_000, threads: int = 1):
        deadline = time.monotonic() + float(self.options.get("lock_timeout", LOCK_RETRY_SECONDS))
        delay = 0.005
        while True:
            try:
                return index.writer(heap_size=heap, num_threads=threads)
            except ValueError as exc:
                if "LockBusy" not in str(exc) or time.monotonic() > deadline:
                    raise SearchUnavailable(f"search index is busy: {exc}") from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    def _write(self, fn) -> None:
        with self._lock:
            index = self._open()
            try:
                writer = self._writer(index)
                try:
                    fn(writer)
                    writer.commit()
                finally:
                    writer.wait_merging_threads()
            except (OSError, ValueError) as exc:
                raise SearchUnavailable(f"search index write failed: {exc}") from exc
            self._meta_mtime = None  # force a reload on the next read

    def index(self, documents: Iterable[dict]) -> int:
        """Add or replace documents by id."""
        docs = [to_tantivy(d) for d in documents]
        if not docs:
            return 0

        def write(writer):
            for doc in docs:
                writer.delete_documents_by_query(self._id_query(doc.get_first("id")))
                writer.add_document(doc)

        self._write(write)
        return len(docs)

    def _id_query(self, solution_id: int) -> tantivy.Query:
        # delete_documents_by_term takes a Python int as i64 and misses the u64 id field
        return tantivy.Query.term_query(self.schema, "id", int(solution_id))

    def delete(self, solution_ids: Iterable[int]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        ids = [int(i) for i in solution_ids]
        if ids:
            self._write(lambda w: [w.delete_documents_by_query(self._id_query(i)) for i in ids])

    def rebuild(self, documents: Iterable[dict], progress=None) -> int:
        """Fill a new index directory, then point ``current`` at it in one atomic rename."""
        try:
            self._ensure_current()
            name = f"index-{time.time_ns()}"
            path = self.base / name
            path.mkdir()
            index = tantivy.Index(self.schema, path=str(path))
            register_tokenizers(index)
            # Each thread flushes a segment when its half of the heap fills; 512 MB keeps 100k
            # solutions in two segments (256 MB gave four, and every query visits each one).
            heap = int(self.options.get("rebuild_heap", REBUILD_HEAP))
            writer = index.writer(heap_size=heap, num_threads=2)
            count = 0
            for doc in documents:
                writer.add_document(to_tantivy(doc))
                count += 1
                if progress:
                    progress(count)
            writer.commit()
            writer.wait_merging_threads()
            with self._lock:
                old = os.readlink(self._current_link())
                self._swap_link(name)
                self._meta_mtime = None
        except (OSError, ValueError) as exc:
            raise SearchUnavailable(f"search index rebuild failed: {exc}") from exc
        # Other processes may still read the old files; on POSIX their open maps stay valid.
        # Leftovers of crashed rebuilds go after an hour; a rebuild running elsewhere is younger.
        for entry in self.base.glob("index-*"):
            stale = time.time() - entry.stat().st_mtime > 3600
            if entry.name != name and (entry.name == old or stale):
                shutil.rmtree(entry, ignore_errors=True)
        return count

    # -- reading ---------------------------------------------------------------------------
    def health(self) -> dict:
        """``{"ok": True, "documents": n}`` or ``{"ok": False, "error": ...}``."""
        try:
            _, searcher = self._searcher()
            return {"ok": True, "engine": "tantivy", "documents": searcher.num_docs}
        except Exception as exc:  # noqa: BLE001 - health never raises
            return {"ok": False, "engine": "tantivy", "error": str(exc)}

    def indexed_versions(self) -> dict[int, str]:
        """Every indexed id with its version stamp."""
        _, searcher = self._searcher()
        n = searcher.num_docs
        if not n:
            return {}
        hits = searcher.search(tantivy.Query.all_query(), limit=n, count=False).hits
        out = {}
        for _, address in hits:
            doc = searcher.doc(address)
            out[int(doc.get_first("id"))] = doc.get_first("version") or ""
        return out

    def document_frequencies(self, words: Iterable[str]) -> dict[str, int]:
        """Per word, the largest document frequency of its terms over the fields they are
        searched in: term statistics only, no postings read (microseconds a word).

        An English word counts its stem in the ``*_en`` fields, and itself and its stem as
        written in ``words`` (every English field unstemmed, plus Latin words of Korean text):
        ``drains`` counts the documents saying ``drain`` in any field. A Korean word (its
        particle dropped, as a query drops it) counts its commonest bigram, as a query for it
        matches any of its bigrams: ``건물에너지관리시스템`` is as common as ``시스``, since
        searching for it costs that much and finds that many. (Its rarest bigram, nearer the
        documents holding the whole word, made such words look rare and matching ranked
        slightly worse on the labelled set: nDCG@10 0.9329 against 0.9347.) Stop words and
        one-syllable words count 0, as a query finds nothing by them. Several tokens in one
        word: the largest.
        """
        _, searcher = self._searcher()

        def largest(fields, *texts: str) -> int:
            return max(searcher.doc_freq(f, text) for f in fields for text in texts)

        out: dict[str, int] = {}
        for word in words:
            count = 0
            for token in analysis.TOKEN.findall(word.lower()):
                terms = analysis.phrase_terms(token, fuzzy=False)
                if not terms:
                    continue
                if terms[0].lang == "ko":
                    found = max(largest(KO_FIELDS, t.text) for t in terms)
                else:
                    stem = terms[0].text
                    found = max(largest(EN_FIELDS, stem), largest(["words"], token, stem))
                count = max(count, found)
            out[word] = count
        return out

    def _term_query(self, term: analysis.Term, searcher: tantivy.Searcher) -> tantivy.Query:
        return self._term_queries(term, searcher)[0]

    def _term_queries(self, term: analysis.Term, searcher) -> tuple[tantivy.Query, list]:
        """One term's scored query, and the same documents as plain clauses for a flat union."""
        if term.lang == "ko":
            fields = [(f, term.text, b) for f, b in KO_FIELDS.items()]
        else:
            fields = [(f, term.text, b) for f, b in EN_FIELDS.items()]
            fields.append(("words", term.word or term.text, WORDS_BOOST))
        plain = [tantivy.Query.term_query(self.schema, f, text) for f, text, _ in fields]
        boosted = [
            q if b == 1.0 else tantivy.Query.boost_query(q, b)
            for q, (_, _, b) in zip(plain, fields, strict=True)
        ]
        query = tantivy.Query.disjunction_max_query(boosted, tie_breaker=DISMAX_TIE)
        if (
            term.lang == "en"
            and term.fuzzy
            and term.word
            and searcher.doc_freq("words", term.word) == 0
        ):
            # An unknown word: tolerate one typo (insertion, deletion, substitution, swap).
            fuzzy = tantivy.Query.fuzzy_term_query(
                self.schema, "words", term.word, distance=1, transposition_cost_one=True
            )
            plain.append(fuzzy)
            query = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Should, query),
                    (tantivy.Occur.Should, tantivy.Query.boost_query(fuzzy, TYPO_BOOST)),
                ]
            )
        return query, plain

    def _term_doc_freq(self, term: analysis.Term, searcher) -> int:
        """Documents holding the term in the field where it is commonest (statistics only)."""
        fields = KO_FIELDS if term.lang == "ko" else EN_FIELDS
        return max(searcher.doc_freq(f, term.text) for f in fields)

    def _text_query(self, text: str, searcher) -> TextQuery | None:
        """The scored part of a query (analysed terms plus synonym expansions), the same
        documents as one flat union, and the terms' languages; ``None`` when no term is left.

        The union matches exactly what the scored query matches, without its dismax and boost
        layers: the facets' aggregation pass needs no scores and runs ~20% faster on it. A field
        of a language the query has no term in cannot match, so highlights skip it.

        Common terms (in more than ``COMMON_TERM_SHARE`` of the documents) only rank the
        documents the query's distinctive terms find, as Lucene's ``CommonTermsQuery`` does:
        a word in most documents says little about what the buyer wants, yet matching it costs
        a pass over most of the index (3 to 4 times the query's cost). When the distinctive
        terms find fewer than ``MIN_DISTINCTIVE_MATCHES`` documents, the ``broader`` query,
        every term matching, is used instead, so a rare word never leaves the page nearly empty.
        """
        text = analysis.correct_typos(
            text,
            known=lambda w: searcher.doc_freq("words", w) > 0,
            candidates=lambda w: searcher.terms_with_prefix("words", w[0], limit=20_000),
        )
        text = analysis.correct_korean_typos(
            text, lambda words: self._korean_word_counts(words, searcher)
        )
        plan = analysis.plan_query(text, synonyms=self.options.get("synonyms", True))
        if plan.empty:
            return None
        langs = {t.lang for t in plan.terms} | {t.lang for e in plan.expansions for t in e}
        cutoff = COMMON_TERM_SHARE * searcher.num_docs
        rare: list[tuple[tantivy.Query, list]] = []
        common: list[tuple[tantivy.Query, list]] = []
        for term in plan.terms:
            query, plain = self._term_queries(term, searcher)
            common_term = self._term_doc_freq(term, searcher) > cutoff
            (common if common_term else rare).append((query, plain))
        for expansion in plan.expansions:
            group = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, self._term_query(t, searcher)) for t in expansion]
            )
            # a conjunction finds at most what its rarest term finds
            common_group = min(self._term_doc_freq(t, searcher) for t in expansion) > cutoff
            boosted = tantivy.Query.boost_query(group, SYNONYM_BOOST)
            (common if common_group else rare).append((boosted, [group]))
        broader = TextQuery(
            scored=_any([q for q, _ in rare + common]),
            match=_any([m for _, plain in rare + common for m in plain]),
            langs=langs,
            text=text,
        )
        if not rare or not common:
            return broader
        scored = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, _any([q for q, _ in rare])),
                *((tantivy.Occur.Should, q) for q, _ in common),
            ]
        )
        match = _any([m for _, plain in rare for m in plain])
        return TextQuery(scored=scored, match=match, langs=langs, broader=broader, text=text)

    def _korean_word_counts(self, words: list[str], searcher) -> dict[str, int]:
        """Per Korean word, an estimate of the documents holding it: its rarest bigram's count
        (in the Korean field holding it most), 0 when a bigram is in no document. A typo's
        variants share most bigrams, so each is looked up once."""
        seen: dict[str, int] = {}

        def count(gram: str) -> int:
            if gram not in seen:
                seen[gram] = max(searcher.doc_freq(f, gram) for f in KO_FIELDS)
            return seen[gram]

        return {w: min(count(g) for g in analysis.bigrams(w)) for w in words}

    def _any_of(self, field: str, values: Iterable[str]) -> tantivy.Query:
        """Documents with any of the values. Term queries, not ``term_set_query``: that one
        builds an automaton and a bitset per segment and made a one-value filter ~0.4 ms
        slower at 100k documents."""
        terms = [tantivy.Query.term_query(self.schema, field, v) for v in values]
        if len(terms) == 1:
            return terms[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])

    def filter_queries(self, query: SearchQuery) -> list[tantivy.Query]:
        """Filters as non-scoring clauses (the tantivy counterpart of ``bool.filter``)."""
        out = []
        if query.category:
            out.append(self._any_of("category", query.category))
        if query.certification:
            from search.indexing import validity_date

            keys = day_keys(validity_date(query.valid_on))
            for cert_type in query.certification:
                out.append(self._any_of("cert", [f"{cert_type}|{k}" for k in keys]))
        for field, values in (
            ("tier", query.tier),
            ("country", query.country),
            ("deployment", query.deployment),
            ("standard", query.standard),
            ("language", query.language),
        ):
            if values:
                out.append(self._any_of(field, values))
        if query.price_max is not None:
            out.append(
                tantivy.Query.range_query(
                    self.schema, "price", tantivy.FieldType.Float, 0.0, float(query.price_max)
                )
            )
        return out

    def aggregations(self, query: SearchQuery) -> dict:
        from search.indexing import validity_date

        return facet_aggregations(validity_date(query.valid_on))

    def search(self, query: SearchQuery) -> SearchResult:
        """Run one query: scored text, filters, sort, page, facets, highlights."""
        try:
            return self._search(query)
        except SearchUnavailable:
            raise
        except (OSError, ValueError, RuntimeError) as exc:
            raise SearchUnavailable(f"search failed: {exc}") from exc

    def _search(self, query: SearchQuery) -> SearchResult:
        index, searcher = self._searcher()
        text = self._text_query(query.text, searcher) if query.text.strip() else None
        if text is None and query.text.strip():
            # only stop words or punctuation: nothing matches
            empty = tantivy.Query.empty_query()
            text = TextQuery(scored=empty, match=empty, langs=set(), text=query.text)
        result = self._run(searcher, query, text)
        if text is not None and text.broader is not None and result.total < MIN_DISTINCTIVE_MATCHES:
            result = self._run(searcher, query, text.broader)
        if text is not None and text.text != query.text:
            result = dataclasses.replace(result, corrected_text=text.text)
        return result

    def _run(self, searcher, query: SearchQuery, text: TextQuery | None) -> SearchResult:
        """One query's page, total, highlights and facets."""
        filter_clauses = [
            (tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0))
            for f in self.filter_queries(query)
        ]

        def with_filters(q: tantivy.Query) -> tantivy.Query:
            clauses = [(tantivy.Occur.Must, q), *filter_clauses]
            return tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else q

        full = with_filters(text.scored if text else tantivy.Query.all_query())
        # The facets' aggregation runs its own pass over the matches: on the engine's threads,
        # beside the page and its highlights (the engine releases the GIL while it works).
        facets = (
            beside(self._facets, searcher, with_filters(text.match) if text else full, query)
            if query.facets
            else None
        )
        offset = (query.page - 1) * query.page_size
        want = offset + query.page_size

        if query.sort == "newest":
            result = searcher.search(
                full, limit=query.page_size, offset=offset, order_by_field="published"
            )
            page = [(float(s), a) for s, a in result.hits]
            total = result.count
        elif query.sort == "evidence" or text is None:
            field = "evidence_rank" if query.sort == "evidence" else "tie"
            result = searcher.search(
                full, limit=query.page_size, offset=offset, order_by_field=field
            )
            page = [(1.0, a) for _, a in result.hits]
            total = result.count
        else:
            page, total = self._ranked_page(searcher, full, offset, want)

        ids = searcher.fast_field_values("id", [a for _, a in page]) if page else []
        highlights = (
            self._highlights(searcher, text.scored, text.langs, [a for _, a in page])
            if (query.highlight and text is not None and page)
            else [{} for _ in page]
        )
        hits = [
            SearchHit(solution_id=int(i), score=float(s), highlights=h)
            for (s, _), i, h in zip(page, ids, highlights, strict=True)
        ]
        return SearchResult(
            hits=hits,
            total=total,
            facets=facets.result() if facets else {},
            page=query.page,
            page_size=query.page_size,
        )

    def _ranked_page(self, searcher, full, offset: int, want: int):
        """Top hits by score; equal scores ordered by the stable hash, also across the cut."""
        limit = max(want * 3, 50)  # fieldnorms are coarse, so ties are common: look past the page
        while True:
            result = searcher.search(full, limit=limit)
            hits = result.hits
            if len(hits) <= want or hits[-1][0] != hits[want - 1][0] or limit >= result.count:
                break
            limit *= 4  # a tie straddles the fetched depth: go deeper so the order stays stable
        ties = searcher.fast_field_values("tie", [a for _, a in hits])
        ranked = sorted(zip(hits, ties, strict=True), key=lambda x: (-x[0][0], x[1]))
        return [(float(s), a) for (s, a), _ in ranked[offset:want]], result.count

    def _highlights(self, searcher, text_query, langs, addresses) -> list[dict[str, list[str]]]:
        """Snippets of the page's hits; a field of a language the query has no term in is
        skipped, as it cannot highlight anything (each snippet re-reads the field's text)."""
        gens = {}
        for field in HIGHLIGHT_FIELDS:
            if field.rsplit("_", 1)[1] not in langs:
                continue
            gen = tantivy.SnippetGenerator.create(searcher, text_query, self.schema, field)
            gen.set_max_num_chars(160)
            gens[field] = gen
        out = []
        for address in addresses:
            doc = searcher.doc(address)
            found = {}
            for field, gen in gens.items():
                snippet = gen.snippet_from_doc(doc)
                if snippet.highlighted():
                    found[field] = [snippet.to_html()]
            out.append(found)
        return out

    def _facets(self, searcher, full, query: SearchQuery) -> dict[str, dict[str, int]]:
        aggs = self.aggregations(query)
        overflow = [
            f"{field}_more"
            for field in FACET_SLOTTED.values()
            if searcher.doc_freq(f"{field}_more", OVERFLOW_MARK)
        ]
        if overflow:
            aggs = {**aggs, **{f: {"terms": {"field": f, "size": ALL_BUCKETS}} for f in overflow}}
        raw = searcher.aggregate(full, aggs)

        def counts(*names: str, split: str | None = None) -> dict[str, int]:
            """The buckets of ``names`` added up by value (a set's values split on ``split``)."""
            total: dict[str, int] = {}
            for name in names:
                for bucket in raw.get(name, {}).get("buckets", ()):
                    key, n = bucket["key"], int(bucket["doc_count"])
                    if name.endswith("_more") and key == OVERFLOW_MARK:
                        continue
                    for value in key.split(split) if split else (key,):
                        if value:  # "" fills a slot or set the document has no value for
                            total[value] = total.get(value, 0) + n
            top = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE]
            return dict(top)

        facets = {name: counts(name) for name in FACET_SINGLE}
        for name, field in FACET_SETS.items():
            facets[name] = counts(field, split="+")
        for name, field in FACET_SLOTTED.items():
            facets[name] = counts(*(f"{field}{i}" for i in range(FACET_SLOTS)), f"{field}_more")
        certs: dict[str, int] = {}
        for bucket in raw["cert"]["buckets"]:
            cert_type = bucket["key"].split("|", 1)[0]
            certs[cert_type] = certs.get(cert_type, 0) + int(bucket["doc_count"])
        facets["certification"] = {
            t: n for t, n in sorted(certs.items(), key=lambda kv: (-kv[1], kv[0])) if n
        }
        return facets

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Solution names in either language with a word starting with the typed prefix."""
        words = analysis.word_analyzer().analyze(prefix)
        if not words:
            return []
        index, searcher = self._searcher()
        if len(words) == 1 and len(words[0]) <= PREFIX_MAX:
            # one exact term of the prefix field: no expansion of the prefix over the dictionary
            q = tantivy.Query.term_query(self.schema, "name_prefix", words[0])
        else:
            q = tantivy.Query.phrase_prefix_query(self.schema, "name_words", words)
        hits = searcher.search(q, limit=limit * 3, count=False).hits
        ties = searcher.fast_field_values("tie", [a for _, a in hits])
        ranked = sorted(zip(hits, ties, strict=True), key=lambda x: (-x[0][0], x[1]))[:limit]
        out = []
        last = words[-1]
        for (_, address), _ in ranked:
            doc = searcher.doc(address)
            name_ko = doc.get_first("name_ko") or ""
            name_en = doc.get_first("name_en") or ""
            ko_words = analysis.word_analyzer().analyze(name_ko) if name_ko else []
            if any(w.startswith(last) for w in ko_words) or not name_en:
                out.append(Suggestion(int(doc.get_first("id")), name_ko, "ko"))
            else:
                out.append(Suggestion(int(doc.get_first("id")), name_en, "en"))
        return out
