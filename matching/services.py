"""Writes for matching: run the two-stage matcher, store matches, move them through statuses."""

from __future__ import annotations

import datetime as dt
import gc
import math
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.models import Solution
from catalogue.permissions import ensure_organisation_approved
from search.analysis import ENGLISH_STOPWORDS, HANGUL_RUN, TOKEN, stem, strip_korean_ending
from search.backends import get_backend
from search.parallel import engine_pool
from search.types import SearchQuery

from . import selectors
from . import weights as W
from .models import Lead, Match, MatchEvent, Need
from .scoring import (
    MatchScore,
    TargetProfile,
    can_be_on_topic,
    rank,
    score_match,
    with_explanation,
)

MATCHES_KEPT = 50  # stored per need or lead; decisions on others are kept too

# The searches of one retrieval are independent and the engine releases the GIL while it
# searches, so they run side by side (search.parallel).
SEARCH_THREADS = 2
T = TypeVar("T")


def _in_parallel(search: Callable[[object, str], T], backend, texts: list[str]) -> list[T]:
    """``search(backend, text)`` for every text, side by side; results in the order of texts."""
    if len(texts) <= 1 or SEARCH_THREADS <= 1:
        return [search(backend, text) for text in texts]
    return list(engine_pool().map(lambda text: search(backend, text), texts))


# -- which words to search for ------------------------------------------------------------------
#
# A search costs about the documents its words occur in, summed over the words: a need's whole
# description (dozens of words, most of them common) is the most expensive query there is, and
# its common words say least about it (BM25 weighs them least). So the query keeps the title
# and only the description's most informative words: those the fewest documents contain.


def query_words(text: str) -> list[str]:
    """The words of ``text`` as the engine reads them: lower case, Korean words without their
    particle (침수를 -> 침수), English stop words left out, an English word written as the
    first form of its stem that came (sensors -> sensor after sensor); repeated words kept
    (how often a need says one counts)."""
    words, spelt = [], {}
    for token in TOKEN.findall(text.lower()):
        if HANGUL_RUN.fullmatch(token):
            words.append(strip_korean_ending(token))
        elif token not in ENGLISH_STOPWORDS:
            words.append(spelt.setdefault(stem(token), token))
    return words


def informative_words(
    words: list[str], frequency: Mapping[str, int], keep: int, *, common: float = math.inf
) -> list[str]:
    """At most ``keep`` distinct words of ``words``, in the order they first appear: those in
    the fewest documents (``frequency``), ties going to the word said more often, then the
    earlier one. Words no document holds (they cannot find anything) and words in more than
    ``common`` documents (they tell little and cost most) are left out, unless only such
    words are left (a query must search for something)."""
    said = Counter(words)
    first = {w: i for i, w in reversed(list(enumerate(words)))}
    known = [w for w in said if frequency.get(w, 0) > 0]
    usable = [w for w in known if frequency[w] <= common] or known
    chosen = set(sorted(usable, key=lambda w: (frequency[w], -said[w], first[w]))[:keep])
    return [w for w in said if w in chosen]


def most_informative(text: str, vocabulary: Vocabulary, *, keep: int) -> str:
    """``text`` cut to its ``keep`` most informative words, common words left out (unchanged
    when it has no more words and the catalogue is too small to call any word common)."""
    words = query_words(text)
    if len(set(words)) <= keep and vocabulary.common == math.inf:
        return text
    frequency = vocabulary.frequencies(list(dict.fromkeys(words)))
    return " ".join(informative_words(words, frequency, keep, common=vocabulary.common))


def focused_text(text: str, vocabulary: Vocabulary, *, keep: int) -> str:
    """``text`` (its title on the first line, as ``selectors.query_texts`` writes it) with the
    title whole and the description cut to its ``keep`` most informative words."""
    title, _, description = text.partition("\n")
    return f"{title}\n{most_informative(description, vocabulary, keep=keep)}".strip()


class _FrequencyTable:
    """How many indexed solutions each word matches, remembered per process and backend.

    Asked of the engine's term statistics (``document_frequencies``: microseconds a word on
    tantivy, one request for all words on Elasticsearch), and kept so a word is asked once
    while matching many needs. The table is forgotten after ``W.WORD_FREQUENCY_SECONDS`` or
    at ``W.WORD_FREQUENCY_WORDS`` words: it only ranks words, so counts a few edits old do.
    """

    DOCUMENTS = ""  # the key of the catalogue's size (the backend's ``health()["documents"]``)

    def __init__(self):
        self._lock = threading.Lock()
        self._tables: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _table(self, backend) -> dict[str, int]:
        with self._lock:
            born, table = self._tables.get(backend, (0.0, None))
            now = time.monotonic()
            if (
                table is None
                or now - born > W.WORD_FREQUENCY_SECONDS
                or len(table) > W.WORD_FREQUENCY_WORDS
            ):
                born, table = now, {}
                self._tables[backend] = (born, table)
            return table

    def frequencies(self, backend, words: list[str]) -> dict[str, int]:
        table = self._table(backend)
        missing = [w for w in dict.fromkeys(words) if w not in table]
        if self.DOCUMENTS in missing:
            table[self.DOCUMENTS] = _indexed_documents(backend)
            missing.remove(self.DOCUMENTS)
        if missing:
            table.update(backend.document_frequencies(missing))
        return {w: table[w] for w in words}


def _indexed_documents(backend) -> int:
    """The catalogue's size: the backend's health says it, else an empty query counts all."""
    documents = backend.health().get("documents")
    if documents is None:
        query = SearchQuery(text="", sort="newest", page_size=1, facets=False, highlight=False)
        documents = backend.search(query).total
    return int(documents)


word_frequencies = _FrequencyTable()


class Vocabulary:
    """One backend's word statistics, for choosing the words worth searching for.

    ``frequencies(words)``: how many indexed solutions each word matches; ``common``: from how
    many documents on a word counts as common (``W.COMMON_WORD_SHARE`` of the catalogue;
    infinite below ``W.COMMON_WORD_MIN_DOCUMENTS`` solutions, where every search is cheap and a
    share of a few documents says nothing).
    """

    def __init__(self, backend, table: _FrequencyTable = word_frequencies):
        self.backend, self._table = backend, table
        documents = self.frequencies([table.DOCUMENTS])[table.DOCUMENTS]
        self.common = (
            W.COMMON_WORD_SHARE * documents
            if documents >= W.COMMON_WORD_MIN_DOCUMENTS
            else math.inf
        )

    def frequencies(self, words: list[str]) -> dict[str, int]:
        return self._table.frequencies(self.backend, words)


def _search(backend, text: str) -> dict[int, float]:
    """One query; scores divided by the best one (so 1 is the best match of this query)."""
    result = backend.search(
        SearchQuery(text=text, page_size=W.CANDIDATES_PER_QUERY, facets=False, highlight=False)
    )
    top = max((hit.score for hit in result.hits), default=0.0)
    if top <= 0:
        return {}
    return {hit.solution_id: hit.score / top for hit in result.hits}


def _merge(per_query: list[dict[int, float]]) -> dict[int, float]:
    """Best normalised score per solution, plus a little when another query agrees."""
    merged: dict[int, float] = {}
    for scores in per_query:
        for sid, value in scores.items():
            merged[sid] = max(merged.get(sid, 0.0), value)
    if len(per_query) > 1:
        for sid in merged:
            values = sorted((q.get(sid, 0.0) for q in per_query), reverse=True)
            merged[sid] = 0.8 * values[0] + 0.2 * values[1]
    return merged


def _search_raw(backend, text: str) -> dict[int, float]:
    """One query; the engine's own scores."""
    result = backend.search(
        SearchQuery(text=text, page_size=W.CANDIDATES_PER_QUERY, facets=False, highlight=False)
    )
    return {hit.solution_id: hit.score for hit in result.hits}


def _feedback_text(row: dict, lang: str) -> str:
    """What a solution is, in one language: its name and (English) tags.

    Its summary would add general words (system, real time, city) that cost most to search
    and say least: such a search takes about 40 % of the time of one with the summary on
    100,000 solutions, and ranks no better on the labelled set. Common words of the name and
    tags are left out too (``most_informative``).
    """
    words = row[f"name_{lang}"]
    if lang == "en":
        words += " " + " ".join(t.replace("-", " ") for t in row["tags"])
    return words.strip()


def retrieve(texts: list[str], *, category: str = "") -> dict[int, float]:
    """Stage 1: candidates from the search engine, one query per language, then feedback.

    Feedback propagates relevance: the best few matches' names and tags (each language apart)
    are searched again, and a solution counts as relevant as such a match times how alike the two
    are (its score over the match's score for its own words). So a product described only in
    the other language, or in other words, is still found, at a level set by the match it
    resembles rather than by the best hit of a long query (pseudo-relevance feedback).
    """
    backend = get_backend()
    vocabulary = Vocabulary(backend)
    texts = [focused_text(t, vocabulary, keep=W.QUERY_DESCRIPTION_WORDS) for t in texts]
    texts = [t for t in texts if t]
    first = _merge([q for q in _in_parallel(_search, backend, texts) if q])
    if not first or W.FEEDBACK_DOCS <= 0:
        return first
    best = sorted(first, key=lambda sid: -first[sid])[: W.FEEDBACK_DOCS * 3]
    rows = Solution.objects.filter(id__in=best).values(
        "id", "category", "name_en", "name_ko", "tags"
    )
    rows = sorted(rows, key=lambda r: (-first[r["id"]], r["id"]))
    if category:
        rows = [r for r in rows if r["category"] == category] or rows
    relevance = dict(first)
    feedback = [
        (row, text)
        for row in rows[: W.FEEDBACK_DOCS]
        for text in (
            most_informative(_feedback_text(row, lang), vocabulary, keep=W.FEEDBACK_WORDS)
            for lang in ("en", "ko")
        )
        if text
    ]
    found = _in_parallel(_search_raw, backend, [text for _, text in feedback])
    for (row, _text), hits in zip(feedback, found, strict=True):
        own = hits.get(row["id"]) or max(hits.values(), default=0.0)
        if own <= 0:
            continue
        weight = W.FEEDBACK_WEIGHT * first[row["id"]]
        for sid, value in hits.items():
            alike = min(1.0, value / own)
            relevance[sid] = max(relevance.get(sid, 0.0), weight * alike)
    return relevance


def score_candidates(
    target: TargetProfile,
    texts: list[str],
    *,
    today: dt.date | None = None,
    explain_top: int | None = None,
    explain_ids: frozenset[int] = frozenset(),
) -> list[MatchScore]:
    """Stage 1 and 2 without writing: the ranked scores for ``target``.

    Candidates too little relevant to be on topic in any category are dropped before their
    profiles are even loaded (those already matched, ``explain_ids``, are scored again anyway).
    Explanations are written for the first ``explain_top`` (all when None) and for
    ``explain_ids``; building them for hundreds of candidates nobody reads is most of the cost.
    """
    today = today or timezone.localdate()
    with _cycle_collector_paused():
        relevance = {
            sid: value
            for sid, value in retrieve(texts, category=target.category).items()
            if can_be_on_topic(value) or sid in explain_ids
        }
        profiles = selectors.solution_profiles(relevance)
        rates = selectors.rates_on(today)
        ranked = rank(
            score_match(
                target, profile, text=relevance[sid], rates=rates, today=today, explain_it=False
            )
            for sid, profile in profiles.items()
        )
        return [
            with_explanation(s, target, profiles[s.solution_id], rates=rates, today=today)
            if explain_top is None or position < explain_top or s.solution_id in explain_ids
            else s
            for position, s in enumerate(ranked)
        ]


@contextmanager
def _cycle_collector_paused():
    """Pause Python's cycle collector during one run, then restore it as it was.

    A run makes a few thousand short-lived profiles and scores (no cycles among them: reference
    counting frees them). Collected while alive, they would be promoted to the oldest
    generation, and every few runs a full collection would walk the whole process (tens of
    milliseconds, the tail of the run time). Garbage with cycles made meanwhile is collected
    by the next collection after the run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def matches_of(ranked: list[MatchScore]) -> list[MatchScore]:
    """The candidates that are matches at all: on topic (``scoring.on_topic``), in rank order."""
    return [s for s in ranked if s.on_topic]


def shortlist(ranked: list[MatchScore]) -> list[MatchScore]:
    """The matches scoring near enough to the best one (off-topic candidates never count)."""
    matches = matches_of(ranked)
    best = max((s.score for s in matches), default=0.0)
    return [s for s in matches if s.score >= W.MIN_RELATIVE_SCORE * best]


def _store(ranked: list[MatchScore], *, need: Need | None = None, lead: Lead | None = None):
    rows = Match.objects.filter(need=need) if need is not None else Match.objects.filter(lead=lead)
    existing = {m.solution_id: m for m in rows}
    kept = matches_of(ranked)[:MATCHES_KEPT]
    kept_ids = {s.solution_id for s in kept}
    kept += [
        s
        for s in ranked
        if s.solution_id in existing
        and s.solution_id not in kept_ids
        and (s.on_topic or existing[s.solution_id].status != Match.Status.SUGGESTED)
    ]
    to_create, to_update = [], []
    for position, result in enumerate(kept, start=1):
        fields = {
            "rank": position,
            "score": result.score,
            "text_score": result.relevance,
            "compliant": result.compliant,
            "violations": list(result.violations),
            "breakdown": result.breakdown(),
            "explanation_en": result.explanation_en,
            "explanation_ko": result.explanation_ko,
            "stale": False,
        }
        match = existing.get(result.solution_id)
        if match is None:
            to_create.append(Match(need=need, lead=lead, solution_id=result.solution_id, **fields))
        else:
            for name, value in fields.items():
                setattr(match, name, value)
            to_update.append(match)
    seen = kept_ids | {m.solution_id for m in to_update}
    for sid, match in existing.items():
        if sid not in seen and not match.stale:
            match.stale = True
            to_update.append(match)
    Match.objects.bulk_create(to_create)
    if to_update:
        Match.objects.bulk_update(
            to_update,
            [
                "rank",
                "score",
                "text_score",
                "compliant",
                "violations",
                "breakdown",
                "explanation_en",
                "explanation_ko",
                "stale",
                "updated_at",
            ],
        )


def _queue_matchers(model: type[Need] | type[Lead], pk: int) -> None:
    """Lock the need or lead: parallel matchers of one target run one after the other, so the
    second finds the first's matches instead of inserting them again (one_need_match)."""
    list(model.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


@transaction.atomic
def need_match(*, need: Need, today: dt.date | None = None) -> list[Match]:
    """Match ``need`` against the published catalogue; keeps decisions already made."""
    _queue_matchers(Need, need.pk)
    ranked = score_candidates(
        selectors.need_profile(need),
        selectors.query_texts(need),
        today=today,
        explain_top=MATCHES_KEPT,
        explain_ids=frozenset(
            Match.objects.filter(need=need).values_list("solution_id", flat=True)
        ),
    )
    _store(ranked, need=need)
    return list(selectors.match_list(need=need))


@transaction.atomic
def lead_match(*, lead: Lead, today: dt.date | None = None) -> list[Match]:
    """Match ``lead`` against the published catalogue; keeps decisions already made."""
    _queue_matchers(Lead, lead.pk)
    ranked = score_candidates(
        selectors.lead_profile(lead),
        selectors.query_texts(lead),
        today=today,
        explain_top=MATCHES_KEPT,
        explain_ids=frozenset(
            Match.objects.filter(lead=lead).values_list("solution_id", flat=True)
        ),
    )
    _store(ranked, lead=lead)
    return list(selectors.match_list(lead=lead))


def solution_opportunities(*, solution: Solution, refresh: bool = True) -> list[Match]:
    """Reverse matching: the open needs and leads ``solution`` matches, best first.

    With ``refresh`` the open needs and leads are matched again first, so a new or changed
    solution shows up with up-to-date scores and explanations.
    """
    if refresh and solution.status == Solution.Status.PUBLISHED:
        for need in selectors.open_needs():
            need_match(need=need)
        for lead in selectors.open_leads():
            lead_match(lead=lead)
    return list(selectors.opportunity_list(solution=solution))


ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Match.Status.SUGGESTED: {Match.Status.SHORTLISTED, Match.Status.DECLINED},
    Match.Status.SHORTLISTED: {
        Match.Status.CONTACTED,
        Match.Status.DECLINED,
        Match.Status.SUGGESTED,
    },
    Match.Status.CONTACTED: {Match.Status.PROPOSAL, Match.Status.DECLINED},
    Match.Status.PROPOSAL: {Match.Status.REGISTERED, Match.Status.DECLINED},
    Match.Status.REGISTERED: set(),
    Match.Status.DECLINED: {Match.Status.SUGGESTED},
}


def user_owns_target(user, match: Match) -> bool:
    """The buyer's organisation for a need; the agency that holds a lead (or any agency)."""
    if user.is_operator():
        return True
    if match.need_id:
        return (
            user.organisation_id is not None and match.need.organisation_id == user.organisation_id
        )
    if user.kind != "agency":
        return False
    return match.lead.organisation_id in (None, user.organisation_id)


@transaction.atomic
def match_set_status(*, match: Match, status: str, user, reason: str = "") -> Match:
    """Move ``match`` to ``status`` (declining needs a reason); records who did it."""
    match = (
        Match.objects.select_for_update(of=("self",))
        .select_related("need", "lead")
        .get(pk=match.pk)
    )
    if not user_owns_target(user, match):
        raise PermissionDenied(_("Only the buyer or the agency holding the lead may decide."))
    if status not in Match.Status.values:
        raise ValidationError({"status": [_("Unknown status %(status)r.") % {"status": status}]})
    if status not in ALLOWED_TRANSITIONS[match.status]:
        message = _("A %(current)s match cannot become %(status)s.") % {
            "current": match.get_status_display(),
            "status": Match.Status(status).label,
        }
        raise ValidationError({"status": [message]})
    if status == Match.Status.DECLINED and not reason.strip():
        raise ValidationError({"reason": [_("Say why the match is declined.")]})
    MatchEvent.objects.create(
        match=match, from_status=match.status, to_status=status, reason=reason, actor=user
    )
    match.status = status
    match.decline_reason = reason if status == Match.Status.DECLINED else ""
    match.status_changed_by = user
    match.status_changed_at = timezone.now()
    match.save(
        update_fields=[
            "status",
            "decline_reason",
            "status_changed_by",
            "status_changed_at",
            "updated_at",
        ]
    )
    return match


# -- needs and leads ---------------------------------------------------------------------------

NEED_FIELDS = (
    "title_ko", "title_en", "description_ko", "description_en", "category", "budget_max",
    "budget_currency", "required_certifications", "deadline", "procurement_method",
)  # fmt: skip
LEAD_FIELDS = (
    "source", "url", "country", "city", "buyer", "title_ko", "title_en", "description_ko",
    "description_en", "category", "budget_max", "budget_currency", "financing",
    "required_certifications", "deadline", "status",
)  # fmt: skip


# The refusal for each kind _require_kind is asked for, in the reader's language.
KIND_ONLY = {
    "municipality": gettext_lazy("Only municipality users may do this."),
    "agency": gettext_lazy("Only agency users may do this."),
}


def _require_kind(user, kind: str) -> None:
    if not (user.is_authenticated and (user.kind == kind or user.is_operator())):
        raise PermissionDenied(str(KIND_ONLY[kind]))


def _apply(instance, data: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("Unknown or read-only field.")] for name in unknown})
    for name, value in data.items():
        setattr(instance, name, value)
    # The one constraint (a title) is checked by the model's clean(), which names the fields;
    # validating it here too would add its name ("lead_has_a_title") as an error under __all__.
    instance.full_clean(
        exclude=["organisation", "created_by", "exchange_id"], validate_constraints=False
    )


@transaction.atomic
def need_create(*, user, data: dict) -> Need:
    """A municipality user posts a need for its organisation (a draft until published)."""
    _require_kind(user, "municipality")
    org = user.organisation
    need = Need(
        organisation=org,
        created_by=user,
        buyer_name=org.name,
        buyer_country=org.country,
        buyer_tier=org.tier,
        buyer_population=org.population,
    )
    _apply(need, data, NEED_FIELDS)
    need.save()
    return need


def _require_need_owner(user, need: Need) -> None:
    if not (user.is_operator() or need.organisation_id == user.organisation_id):
        raise PermissionDenied(_("Only the buyer's organisation may change this need."))


@transaction.atomic
def need_update(*, user, need: Need, data: dict) -> Need:
    """Change a need; a published need is matched again."""
    _require_need_owner(user, need)
    _apply(need, data, NEED_FIELDS)
    need.save()
    if need.status == Need.Status.PUBLISHED:
        need_match(need=need)
    return need


@transaction.atomic
def need_publish(*, user, need: Need) -> Need:
    """Publish a need (vendors can see it from now on) and match it; a buyer whose
    organisation the operator has not approved keeps it a draft."""
    _require_need_owner(user, need)
    ensure_organisation_approved(user)
    need.status = Need.Status.PUBLISHED
    need.published_at = timezone.now()
    need.save(update_fields=["status", "published_at", "updated_at"])
    need_match(need=need)
    return need


@transaction.atomic
def lead_create(*, user, data: dict) -> Lead:
    """An export-agency user of an approved agency enters a lead; it is matched at once."""
    _require_kind(user, "agency")
    ensure_organisation_approved(user)
    lead = Lead(organisation=user.organisation, created_by=user)
    _apply(lead, data, LEAD_FIELDS)
    lead.save()
    lead_match(lead=lead)
    return lead


@transaction.atomic
def lead_update(*, user, lead: Lead, data: dict) -> Lead:
    """Change a lead (its agency or the operator) and match it again."""
    _require_kind(user, "agency")
    if not (user.is_operator() or lead.organisation_id in (None, user.organisation_id)):
        raise PermissionDenied(_("Only the agency holding the lead may change it."))
    _apply(lead, data, LEAD_FIELDS)
    lead.save()
    lead_match(lead=lead)
    return lead


# -- batch and automatic re-matching ------------------------------------------------------------


def match_all(
    *,
    progress: Callable[[int, int], None] | None = None,
    needs: bool = True,
    leads: bool = True,
) -> dict:
    """Match every open published need and open lead again; safe to re-run (decisions kept)."""
    need_ids = list(selectors.open_needs().values_list("id", flat=True)) if needs else []
    lead_ids = list(selectors.open_leads().values_list("id", flat=True)) if leads else []
    total, done = len(need_ids) + len(lead_ids), 0
    counts = {"needs": 0, "leads": 0, "matches": 0}
    today = timezone.localdate()
    for model, ids, run, key in (
        (Need, need_ids, need_match, "needs"),
        (Lead, lead_ids, lead_match, "leads"),
    ):
        for item in model.objects.filter(id__in=ids).select_related("organisation").iterator():
            matches = run(**{model.__name__.lower(): item, "today": today})
            counts[key] += 1
            counts["matches"] += len(matches)
            done += 1
            if progress:
                progress(done, total)
    if progress and total == 0:
        progress(0, 0)
    return counts


def solution_changed(solution_id: int) -> dict:
    """Re-match the open needs and leads a changed (or unpublished) solution concerns.

    Affected: those that already hold a match with it, plus, when it is published, those in
    its category (where it may newly rank). Call after the index is synced (after commit).
    """
    solution = Solution.objects.filter(pk=solution_id).only("id", "category", "status").first()
    need_filter = Q(matches__solution_id=solution_id)
    lead_filter = Q(matches__solution_id=solution_id)
    if solution is not None and solution.status == Solution.Status.PUBLISHED:
        need_filter |= Q(category=solution.category)
        lead_filter |= Q(category=solution.category) | Q(category="")
    needs = selectors.open_needs().filter(need_filter).distinct()
    leads = selectors.open_leads().filter(lead_filter).distinct()
    counts = {"needs": 0, "leads": 0}
    for need in needs:
        need_match(need=need)
        counts["needs"] += 1
    for lead in leads:
        lead_match(lead=lead)
        counts["leads"] += 1
    return counts


def solution_changed_on_commit(solution_id: int) -> None:
    """Call inside a solution write's transaction: re-match after commit (and re-indexing)."""
    transaction.on_commit(lambda: solution_changed(solution_id))
