"""Query analysis shared by both backends: Korean bigrams, English stems, typos, synonyms.

Korean has no reliable word boundaries for search (particles attach to nouns, compounds are
written with or without spaces), so Korean text is indexed as overlapping syllable bigrams
(like Elasticsearch's ``cjk_bigram``): ``교통신호를`` gives 교통/통신/신호/호를 and a query
for ``교통신호`` or ``교통`` matches it. English is lower-cased and stemmed (Snowball).
Synonyms come from ``synonyms.txt`` beside this module and are expanded at query time.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import tantivy

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")

HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
LATIN_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
TOKEN = re.compile(r"[\uac00-\ud7a3]+|[a-z0-9]+(?:\.[0-9]+)?")

# Function words that carry no topic; kept short on purpose (BM25 already discounts common words).
ENGLISH_STOPWORDS = frozenset(
    "a an and are as at be by for from has have in into is it its of on or our that the their "
    "this to we with without which who your you can all any".split()
)
# Particles and endings stripped from the end of a Korean query word before bigramming, so that
# the query does not ask for a bigram like 수를 (from 침수를) that only adds noise.
_KO_ENDINGS_2 = (
    "에서",
    "으로",
    "하는",
    "하고",
    "되는",
    "적인",
    "에게",
    "까지",
    "부터",
    "처럼",
    "하여",
)
_KO_ENDINGS_1_SAFE = frozenset("을를은는의에와과로")
_KO_ENDINGS_1_LONG = frozenset("이가도만한된")
MIN_FUZZY_LENGTH = 5


@functools.cache
def english_analyzer() -> tantivy.TextAnalyzer:
    """Simple tokenizer, lower case, English Snowball stemmer: the index's ``en`` analyzer."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


@functools.cache
def korean_analyzer() -> tantivy.TextAnalyzer:
    """Character bigrams: the index's ``ko`` analyzer (used for highlights too).

    Not lower-cased: a query looks these fields up only by bigrams of Hangul, which has no
    case, so lower-casing changed no match, no score and no highlight, yet it cost a rebuild
    12 % of its instructions (a Unicode table look-up for every Korean character).
    """
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(min_gram=2, max_gram=2)).build()


@functools.cache
def word_analyzer() -> tantivy.TextAnalyzer:
    """Whole words, lower case, not stemmed: for typo matching and exact words in any language."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .build()
    )


def stem(word: str) -> str:
    """The English stem of one lower-case word, as the index stores it."""
    tokens = english_analyzer().analyze(word)
    return tokens[0] if tokens else word


def strip_korean_ending(word: str) -> str:
    """``침수를`` -> ``침수``: drop one trailing particle or verb ending from a query word."""
    for ending in _KO_ENDINGS_2:
        if word.endswith(ending) and len(word) - len(ending) >= 2:
            return word[: -len(ending)]
    last = word[-1:]
    if last in _KO_ENDINGS_1_SAFE and len(word) >= 3:
        return word[:-1]
    if last in _KO_ENDINGS_1_LONG and len(word) >= 4:
        return word[:-1]
    return word


def bigrams(run: str) -> list[str]:
    """Overlapping syllable bigrams of one Hangul run (a one-syllable run gives nothing)."""
    return [run[i : i + 2] for i in range(len(run) - 1)]


@dataclass(frozen=True)
class Term:
    """One unit of a query: a Korean bigram (``ko``) or an English word (``en``)."""

    lang: str
    text: str  # the bigram, or the English stem
    word: str = ""  # the English word as typed (lower case), for typo matching
    fuzzy: bool = False


@dataclass
class QueryPlan:
    """A query split into terms, plus synonym expansions (each one all-terms-required)."""

    terms: list[Term] = field(default_factory=list)
    expansions: list[list[Term]] = field(default_factory=list)
    known: set[str] = field(default_factory=set)  # the synonym group phrases that matched

    @property
    def empty(self) -> bool:
        return not self.terms and not self.expansions


def phrase_terms(text: str, *, for_query: bool = True, fuzzy: bool = True) -> list[Term]:
    """Split a phrase into terms: bigrams of Korean words, stems of English words."""
    out: list[Term] = []
    seen: set[tuple[str, str]] = set()
    for token in TOKEN.findall(text.lower()):
        if HANGUL_RUN.fullmatch(token):
            word = strip_korean_ending(token) if for_query else token
            for gram in bigrams(word):
                if ("ko", gram) not in seen:
                    seen.add(("ko", gram))
                    out.append(Term("ko", gram))
        else:
            if token in ENGLISH_STOPWORDS and for_query:
                continue
            stemmed = stem(token)
            if ("en", stemmed) in seen:
                continue
            seen.add(("en", stemmed))
            typo_ok = fuzzy and token.isalpha() and len(token) >= MIN_FUZZY_LENGTH - 1
            out.append(Term("en", stemmed, word=token, fuzzy=typo_ok))
    return out


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one insertion, deletion, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def correct_typos(text: str, known, candidates) -> str:
    """Replace unknown English words by the most frequent indexed word one edit away.

    ``known(word)`` says whether the index has the word; ``candidates(word)`` yields
    ``(term, doc_freq)`` pairs to try. Only words meant to be five letters or more are
    corrected (so the typed word has at least four), as short words have too many neighbours.
    """

    def fix(match: re.Match) -> str:
        word = match.group(0)
        lower = word.lower()
        if (
            len(lower) < MIN_FUZZY_LENGTH - 1
            or not lower.isalpha()
            or lower in ENGLISH_STOPWORDS
            or known(lower)
        ):
            return word
        best = max(
            (
                (freq, term)
                for term, freq in candidates(lower)
                if len(term) >= MIN_FUZZY_LENGTH and within_one_edit(lower, term)
            ),
            default=None,
        )
        return best[1] if best else word

    return re.sub(r"[A-Za-z]+", fix, text)


# Korean words corrected per query, and their longest: each has 65 variants per syllable
# to count, and a long run of syllables is a compound or a sentence, not a mistyped word.
KO_TYPO_MAX_WORDS = 4
KO_TYPO_MAX_SYLLABLES = 8
HANGUL_FIRST = 0xAC00
JAMO_MEDIALS, JAMO_FINALS = 21, 28  # a syllable is (initial * 21 + medial) * 28 + final


def jamo_variants(syllable: str) -> list[str]:
    """The Hangul syllables one jamo away from ``syllable``: another initial consonant, vowel
    or final consonant (a final added or dropped too), the typos of a two-set keyboard's
    neighbouring keys and of similar vowels (플렛폼 for 플랫폼, 교퉁 for 교통)."""
    code = ord(syllable) - HANGUL_FIRST
    initial, rest = divmod(code, JAMO_MEDIALS * JAMO_FINALS)
    medial, final = divmod(rest, JAMO_FINALS)

    def make(i: int, m: int, f: int) -> str:
        return chr(HANGUL_FIRST + (i * JAMO_MEDIALS + m) * JAMO_FINALS + f)

    return [
        *(make(i, medial, final) for i in range(19) if i != initial),
        *(make(initial, m, final) for m in range(JAMO_MEDIALS) if m != medial),
        *(make(initial, medial, f) for f in range(JAMO_FINALS) if f != final),
    ]


def correct_korean_typos(text: str, counts) -> str:
    """Replace each Korean word the index lacks by its most common one-jamo variant it has.

    ``counts(words)`` gives, for a list of Korean words at once (one round trip to a remote
    engine), how many documents hold each (0: none). A word is checked without its particle
    (``플렛폼을`` as ``플렛폼``, as the query uses it) and only from two syllables: one
    syllable matches nothing anyway. A word the index has is never changed, and one without
    a variant the index has stays as typed. English typos are the job of
    :func:`correct_typos`.
    """
    stems = {
        run: stem
        for run in dict.fromkeys(HANGUL_RUN.findall(text))
        if 2 <= len(stem := strip_korean_ending(run)) <= KO_TYPO_MAX_SYLLABLES
    }
    if not stems:
        return text
    found = counts(list(dict.fromkeys(stems.values())))
    unknown = dict(
        itertools.islice(
            ((run, stem) for run, stem in stems.items() if not found.get(stem)), KO_TYPO_MAX_WORDS
        )
    )
    if not unknown:
        return text
    variants = {
        stem: [
            stem[:i] + v + stem[i + 1 :] for i in range(len(stem)) for v in jamo_variants(stem[i])
        ]
        for stem in dict.fromkeys(unknown.values())
    }
    found = counts(list(dict.fromkeys(v for vs in variants.values() for v in vs)))
    fixed = {}
    for run, stem in unknown.items():
        # the commonest variant; the first in order among equals, so the result is stable
        best = max(variants[stem], key=lambda v: found.get(v, 0))
        if found.get(best, 0) > 0:
            fixed[run] = best + run[len(stem) :]
    if not fixed:
        return text
    return HANGUL_RUN.sub(lambda m: fixed.get(m.group(0), m.group(0)), text)


@dataclass(frozen=True)
class SynonymGroup:
    phrases: tuple[str, ...]
    keys: tuple = ()  # per phrase: ("ko", syllables without spaces) or ("en", stems)


def _normalise_korean(text: str) -> str:
    return "".join(HANGUL_RUN.findall(text))


def _english_key(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in LATIN_WORD.findall(text.lower()))


@functools.cache
def load_synonyms(path: str | None = None) -> tuple[SynonymGroup, ...]:
    """Synonym groups from the data file (one group per line, comma-separated)."""
    groups = []
    text = Path(path or SYNONYMS_FILE).read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        phrases = tuple(p.strip().lower() for p in line.split(",") if p.strip())
        if len(phrases) > 1:
            keys = tuple(
                ("ko", _normalise_korean(p)) if HANGUL_RUN.search(p) else ("en", _english_key(p))
                for p in phrases
            )
            groups.append(SynonymGroup(phrases, keys))
    return tuple(groups)


def synonym_lines(path: str | None = None) -> list[str]:
    """The groups as Solr-style lines (``a, b, c``) for an Elasticsearch synonym filter."""
    return [", ".join(g.phrases) for g in load_synonyms(path)]


@functools.cache
def _synonym_keys(groups: tuple[SynonymGroup, ...]):
    """Korean keys as a flat list, English keys by their first stem: for fast matching."""
    korean, english = [], {}
    for gi, group in enumerate(groups):
        for phrase, (lang, key) in zip(group.phrases, group.keys, strict=True):
            if lang == "ko" and len(key) >= 2:
                korean.append((key, gi, phrase))
            elif lang == "en" and key:
                english.setdefault(key[0], []).append((key, gi, phrase))
    return korean, english


def synonym_expansions(text: str, groups=None) -> tuple[list[str], set[str]]:
    """Phrases to add for ``text``: the other members of every group one of its phrases hits."""
    groups = load_synonyms() if groups is None else tuple(groups)
    korean, english = _synonym_keys(groups)
    ko_query = _normalise_korean(text)
    en_query = _english_key(text)
    hit_groups: dict[int, set[str]] = {}
    if ko_query:
        for key, gi, phrase in korean:
            if key in ko_query:
                hit_groups.setdefault(gi, set()).add(phrase)
    for i, first in enumerate(en_query):
        for key, gi, phrase in english.get(first, ()):
            if en_query[i : i + len(key)] == key:
                hit_groups.setdefault(gi, set()).add(phrase)
    added: list[str] = []
    matched: set[str] = set()
    for gi in sorted(hit_groups):
        hits = hit_groups[gi]
        matched.update(hits)
        for phrase in groups[gi].phrases:
            if phrase not in hits and phrase not in added:
                added.append(phrase)
    return added, matched


def plan_query(text: str, *, synonyms: bool = True) -> QueryPlan:
    """Analyse the buyer's text into terms and synonym expansions."""
    plan = QueryPlan(terms=phrase_terms(text))
    if synonyms:
        added, matched = synonym_expansions(text)
        plan.known = matched
        own = {(t.lang, t.text) for t in plan.terms}
        for phrase in added:
            terms = phrase_terms(phrase, fuzzy=False)
            if terms and not all((t.lang, t.text) in own for t in terms):
                plan.expansions.append(terms)
    return plan
