"""The one query and one result shape that every search backend speaks."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

SORTS = ("relevance", "newest", "evidence")
FACET_FIELDS = ("category", "certification", "tier", "country", "deployment", "standard")


def composed(text: str) -> str:
    """``text`` in Unicode's composed form (NFC), as both the index and the queries hold it.

    Korean typed or pasted on some systems (macOS file names, some IMEs) arrives decomposed,
    each syllable as two or three jamo: it looks the same but matches nothing composed.
    """
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class SearchQuery:
    """What a buyer asked for. Empty ``text`` means "everything that passes the filters"."""

    text: str = ""
    category: tuple[str, ...] = ()
    certification: tuple[str, ...] = ()  # certification types that must be valid on ``valid_on``
    valid_on: dt.date | None = None  # defaults to today when ``certification`` is given
    tier: tuple[str, ...] = ()  # pilot tiers
    country: tuple[str, ...] = ()  # reference or pilot countries
    deployment: tuple[str, ...] = ()
    standard: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    price_max: float | None = None  # in KRW (converted by the caller)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    facets: bool = True
    highlight: bool = True

    def __post_init__(self):
        object.__setattr__(self, "text", composed(self.text))


@dataclass(frozen=True)
class SearchHit:
    solution_id: int
    score: float
    highlights: dict[str, list[str]] = field(default_factory=dict)  # field -> HTML fragments


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # facet -> value -> count
    page: int = 1
    page_size: int = 10
    # the words searched for when typo correction changed the query's (else ""), for the
    # "showing results for …" line: a buyer must see that other words were searched
    corrected_text: str = ""


@dataclass(frozen=True)
class Suggestion:
    solution_id: int
    text: str
    language: str


class SearchUnavailable(Exception):
    """The engine cannot answer now (down, locked, corrupted); callers answer 503."""


class SearchIndexOutdated(SearchUnavailable):
    """The index on disk was built with other fields than this version of the code defines:
    only a rebuild (``manage.py search_index rebuild``, or ``repair``) brings it back."""
