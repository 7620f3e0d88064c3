"""The one place where the matching weights live.

A match's score is the weighted geometric mean of the factors below, each value in [0, 1]
(floored at ``FLOOR``): ``exp(sum(WEIGHTS[f] * ln value_f) / sum(WEIGHTS))``, so the score is in
[0, 1] and one weak factor (an unrelated text, a Korean-only product for an overseas lead) pulls
it down in a way the others cannot make up for. The weights are relative (the mean divides by
their sum).

What is a match at all: a candidate must be *on topic*, its text relevance (relative to the
best candidate's) times ``0.5 + 0.5 * category`` at least ``RELEVANCE_FLOOR`` (so the buyer's
own category needs a text score of ``RELEVANCE_FLOOR``, an unrelated one twice that): a need
with few relevant solutions gets a short list, not one padded with off-topic products. Of
those, the shortlist keeps the ones scoring at least ``MIN_RELATIVE_SCORE`` times the best.

Hard requirements are not weights: a solution lacking a certification that the buyer requires
(valid on the deadline) or priced above the budget is *non-compliant*: the explanation says so
and it is ranked below every compliant match, whatever its score.

- ``text``: relevance of the solution's texts to the need/lead, from the search engine (both
  languages), normalised so the best candidate of a run is 1; a product found through
  feedback (described in other words or only in the other language) counts as relevant as
  the match it resembles times how alike they are. The factor is that relevance over
  ``TEXT_SATURATION``, at most 1.
- ``category``: same category 1, a neighbouring one (``RELATED_CATEGORIES``)
  ``RELATED_CATEGORY_FIT``, a city platform ``PLATFORM_CATEGORY_FIT``, else 0. Weighted as
  half the text's: the buyer's own classification is the one relevance signal that word
  overlap (a need mentioning bus stops as the place for its cooling fog) cannot fake.
- ``certification``: share of the required certification types valid on the deadline
  (1 when none are required).
- ``budget``: price range against the budget after currency conversion; 1 when the whole range
  fits, falling to 0.5 when only the lowest price fits, 0.5 when unknown, 0 above the budget.
- ``city_size``: how close the pilots' cities are to the buyer's size (tier and population).
- ``evidence``: strength of pilot evidence: KPI improvements, verified pilots count fully.
- ``readiness``: for leads, export readiness: references or pilots in the lead's country or
  region, material in English and in the local language; for needs, Korean references and
  Korean material (``NEED_LANGUAGE_SHARE`` of it is the language).
- ``recency``: how recent the latest pilot or publication is.
"""

WEIGHTS: dict[str, float] = {
    "text": 0.40,
    "category": 0.20,
    "certification": 0.05,
    "budget": 0.08,
    "city_size": 0.14,
    "evidence": 0.08,
    "readiness": 0.12,
    "recency": 0.03,
}

FLOOR = 0.05
# Text relevance (best candidate = 1) from which a candidate counts as fully on topic: the
# engine's score differences among on-topic products say more about wording and length than
# about fit, so above this the other factors decide the order.
TEXT_SATURATION = 0.6
MIN_RELATIVE_SCORE = 0.4
# Text relevance (best candidate = 1) a same-category candidate needs to be a match at all.
RELEVANCE_FLOOR = 0.15

# Categories whose solutions often answer each other's needs (symmetric).
RELATED_CATEGORIES: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in [
        ("mobility", "logistics"),
        ("mobility", "safety"),
        ("safety", "environment"),
        ("environment", "water"),
        ("water", "safety"),
        ("energy", "building"),
        ("energy", "environment"),
        ("waste", "environment"),
        ("health", "welfare"),
        ("governance", "platform"),
        ("education", "welfare"),
        ("tourism", "mobility"),
    ]
)
# A neighbouring category's product answers a need only now and then (a parking sensor for a
# tourist-crowd need): much less than the buyer's own category.
RELATED_CATEGORY_FIT = 0.3
# A city platform can serve any category, but less than a dedicated product.
PLATFORM_CATEGORY_FIT = 0.4

# Needs (domestic buyers): share of readiness that is material in the buyer's language; the
# rest is references or pilots in the buyer's country.
NEED_LANGUAGE_SHARE = 0.4

# Verification status of a pilot -> how much its evidence counts.
PILOT_TRUST = {"verified": 1.0, "pending": 0.5, "rejected": 0.0}

# Recency: value halves every this many years since the latest pilot end or publication.
RECENCY_HALF_LIFE_YEARS = 3.0

# Alerts: only matches at or above this score are sent.
ALERT_THRESHOLD = 0.55

# Retrieval feedback: the best matches whose names and tags are searched again (each language
# apart); a hit counts as relevant as that match times how alike the two are, times this. Two
# rank as well as three on the labelled set (nDCG@10 0.934 both, common words left out) for
# two searches fewer.
FEEDBACK_DOCS = 2
FEEDBACK_WEIGHT = 1.0

# Retrieval: candidates per query (each language, each feedback search). As many as the
# matches kept per need (50): on the labelled set 30, 50, 100 and 200 rank the same, while
# each candidate costs a profile and a score.
CANDIDATES_PER_QUERY = 50

# Retrieval: the words of a need's or lead's description that are searched for, besides its
# title (per language): the ones the fewest solutions contain. A search costs about the
# documents its words occur in, and the common words of a long description cost most and tell
# least (BM25 weighs them least).
QUERY_DESCRIPTION_WORDS = 12
# ... and of a feedback search (a match's name and tags, per language).
FEEDBACK_WORDS = 8
# The per-process table of how many solutions each word matches (to rank them) is rebuilt this
# often, and when it holds this many words: filling it costs about one search per new word
# (the engine counts the word's documents), and counts an hour old rank words as well.
WORD_FREQUENCY_SECONDS = 3600.0
WORD_FREQUENCY_WORDS = 200_000
# Words in more than this share of the catalogue are left out of the description and the
# feedback searches (a title keeps them): BM25 weighs them least (idf under ln 5) and their
# long lists of documents are what a search spends its time on (Lucene's MoreLikeThis has the
# same cut, maxDocFreqPct). Only from a catalogue of this many solutions on, as a share of a
# few documents says nothing and searching them is cheap anyway.
COMMON_WORD_SHARE = 0.2
COMMON_WORD_MIN_DOCUMENTS = 100
