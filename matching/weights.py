"""The one place where the matching weights live.

A match's score is the weighted geometric mean of the factors below, each value in [0, 1]
(floored at ``FLOOR``): ``exp(sum(WEIGHTS[f] * ln value_f) / sum(WEIGHTS))``, so the score is in
[0, 1] and one weak factor (an unrelated text, a Korean-only product for an overseas lead) pulls
it down in a way the others cannot make up for. A candidate scoring below
``MIN_RELATIVE_SCORE`` times the best candidate's score is not a match.

Hard requirements are not weights: a solution lacking a certification that the buyer requires
(valid on the deadline) or priced above the budget is *non-compliant*: the explanation says so
and it is ranked below every compliant match, whatever its score.

- ``text``: relevance of the solution's texts to the need/lead, from the search engine (both
  languages), normalised so the best candidate of a run is 1.
- ``category``: same category 1, a neighbouring one (``RELATED_CATEGORIES``) 0.5, else 0.
- ``certification``: share of the required certification types valid on the deadline
  (1 when none are required).
- ``budget``: price range against the budget after currency conversion; 1 when the whole range
  fits, falling to 0.5 when only the lowest price fits, 0.5 when unknown, 0 above the budget.
- ``city_size``: how close the pilots' cities are to the buyer's size (tier and population).
- ``evidence``: strength of pilot evidence: KPI improvements, verified pilots count fully.
- ``readiness``: for leads, export readiness: references or pilots in the lead's country or
  region, material in English and in the local language; for needs, Korean material and
  Korean references.
- ``recency``: how recent the latest pilot or publication is.
"""

WEIGHTS: dict[str, float] = {
    "text": 0.40,
    "category": 0.10,
    "certification": 0.05,
    "budget": 0.08,
    "city_size": 0.14,
    "evidence": 0.08,
    "readiness": 0.12,
    "recency": 0.03,
}

FLOOR = 0.05
# Exponent on the normalised engine score (below 1 compresses its long tail; 1 keeps it).
TEXT_EXPONENT = 1.0
MIN_RELATIVE_SCORE = 0.4

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
# A city platform can serve any category, but less than a dedicated product.
PLATFORM_CATEGORY_FIT = 0.4

# Verification status of a pilot -> how much its evidence counts.
PILOT_TRUST = {"verified": 1.0, "pending": 0.5, "rejected": 0.0}

# Recency: value halves every this many years since the latest pilot end or publication.
RECENCY_HALF_LIFE_YEARS = 3.0

# Alerts: only matches at or above this score are sent.
ALERT_THRESHOLD = 0.55

# Retrieval feedback: the best matches whose own words are searched again, and how much
# those hits count against the buyer's own words.
FEEDBACK_DOCS = 2
FEEDBACK_WEIGHT = 0.8

# Retrieval: candidates per query and language.
CANDIDATES_PER_QUERY = 200
