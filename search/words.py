"""How the catalog reads the words a parent types: the query words → a search plan and a notice.

- Each word is looked up in the synonym dictionary kept by staff (catalog.SearchSynonym), by its
  stem, so «рисованием» finds what «рисование, ИЗО, живопись, рисунок» do; a run of words can match a
  dictionary expression («изобразительное искусство»). The dictionary's names in two scripts cover
  brands and tools (LEGO/лего, Scratch/скретч); besides, a word whose letter-by-letter
  transliteration is in the catalog's vocabulary is searched in that script too («робот» → «robot»).
- A word neither in the dictionary nor in the vocabulary is replaced by its nearest vocabulary word
  (trigram similarity: «робатотехника» → «робототехника») unless the search is exact.
- Words that describe no program («кружок», «секция», «для детей», «курсы»…) are optional: they only
  lift the programs that have them.
- When no program has every required word (search.selectors checks), the plan is widened: programs
  with any of them, more matched words first.

A correction or a widening is told to the parent (`WordsNotice`) with a link to search exactly as
typed. All of it costs one query per search (the vocabulary look-up) plus, for queries of two or more
required words, an EXISTS in search.selectors; the dictionary comes from the cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import reduce
from operator import add

import cyrtranslit
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, F, FloatField, Value, When
from django.db.models.expressions import Expression

from catalog.models import SearchSynonym

MAX_WORDS = 12
# Below this trigram similarity a query word is left as typed rather than "corrected".
TYPO_SIMILARITY = 0.3
# Words under this length are never corrected (no query at all when every word is short).
CORRECTED_LENGTH = 3
# The longest dictionary expression matched in a query, in words.
MAX_EXPRESSION_WORDS = 3
WORD = re.compile(r"[0-9a-zа-яё]+")
LATIN = re.compile(r"^[a-z]+$")
CYRILLIC = re.compile(r"^[а-яё]+$")
PREFIX_STEM_LENGTH = 5
DICTIONARY_SECONDS = 24 * 3600  # dropped on every change anyway (catalog.services.search_synonyms_changed)

# Words that say what kind of activity is wanted, not which: no program is about them. Listed in the
# forms parents type them (the search stems only the words it matches, not this list).
OPTIONAL_WORDS = frozenset(
    """
    кружок кружка кружку кружке кружком кружки кружков кружкам кружках
    секция секции секцию секцией секций секциям секциях
    занятие занятия занятий занятиям занятиях
    урок уроки уроков
    курс курсы курсов курсах
    обучение
    для
    дети детей детям детский детская детское детские детского детской детских
    ребенок ребёнок ребенка ребёнка ребенку ребёнку
    школьник школьника школьников школьникам
    бесплатно бесплатный бесплатная бесплатное бесплатные бесплатных
    лет год года
    """.split()
)


@dataclass(frozen=True)
class QueryWord:
    """One word of the query (or a dictionary expression of several), with what it may match."""

    typed: str
    used: str  # the word searched: as typed, or its correction
    alternatives: tuple[str, ...]  # to_tsquery operands: the word, its synonyms, its other script
    optional: bool = False

    @property
    def corrected(self) -> bool:
        return self.used != self.typed

    @property
    def tsquery(self) -> str:
        return "(" + " | ".join(self.alternatives) + ")"


@dataclass(frozen=True)
class WordsNotice:
    """What the results page and the API tell when the search differs from what was typed."""

    typed: str  # the query's words as typed (lower-case, without punctuation)
    searched: str  # the words searched after corrections
    corrected: bool
    widened: bool  # not every required word matched: programs with some of them are shown


@dataclass(frozen=True)
class WordsPlan:
    typed: str
    words: tuple[QueryWord, ...]
    exact: bool = False
    widened: bool = False

    @property
    def required(self) -> tuple[QueryWord, ...]:
        return tuple(w for w in self.words if not w.optional)

    @property
    def can_widen(self) -> bool:
        """Worth checking whether every required word matches: with one, any-of is the same."""
        return not self.exact and not self.widened and len(self.required) >= 2

    def widen(self) -> WordsPlan:
        return replace(self, widened=True)

    @property
    def filter(self) -> SearchQuery:
        """What a program must match: every required word (any of them when widened); a query of
        optional words only needs one of them."""
        required = self.required
        if not required:
            return _query(" | ".join(w.tsquery for w in self.words))
        return _query((" | " if self.widened else " & ").join(w.tsquery for w in required))

    @property
    def rank(self) -> Expression:
        """The relevance: with only required words, all matched, the text rank as before; otherwise
        the number of the query's words a program has first, then the text rank (scaled below 1)."""
        if not self.widened and all(not w.optional for w in self.words):
            return SearchRank(F("search_vector"), self.filter)
        matched = [
            Case(When(search_vector=_query(w.tsquery), then=Value(1.0)), default=Value(0.0), output_field=FloatField())
            for w in self.words
        ]
        anything = _query(" | ".join(w.tsquery for w in self.words))
        return reduce(add, matched) + SearchRank(F("search_vector"), anything, normalization=Value(32))

    @property
    def searched(self) -> str:
        return " ".join(w.used for w in self.words)

    @property
    def notice(self) -> WordsNotice | None:
        corrected = any(w.corrected for w in self.words)
        if not corrected and not self.widened:
            return None
        return WordsNotice(typed=self.typed, searched=self.searched, corrected=corrected, widened=self.widened)


def _query(tsquery: str) -> SearchQuery:
    # Operands are letters and digits only (WORD), joined by | & <-> here: safe as to_tsquery's input.
    return SearchQuery(tsquery, config="russian", search_type="raw")


def query_tokens(q: str) -> list[str]:
    """Lower-case words of the query, at most MAX_WORDS."""
    return WORD.findall(q.lower())[:MAX_WORDS]


def transliteration(word: str) -> str:
    """The word letter by letter in the other script (Latin ↔ Cyrillic), or "" for mixed or digits."""
    if LATIN.match(word):
        other = cyrtranslit.to_cyrillic(word, "ru")
    elif CYRILLIC.match(word):
        other = cyrtranslit.to_latin(word, "ru")
    else:
        return ""
    return "".join(WORD.findall(other.lower()))


# --- The synonym dictionary ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dictionary:
    groups: tuple[tuple[str, ...], ...]  # each group's entries (lower-case words separated by spaces)
    operands: tuple[tuple[str, ...], ...]  # each group's entries as to_tsquery operands
    index: dict[tuple[str, ...], tuple[int, ...]]  # an entry's stems → the groups it is in

    def groups_of(self, stems: tuple[str, ...]) -> tuple[int, ...]:
        return self.index.get(stems, ())


def _stems(tokens: list[str]) -> dict[str, str]:
    """Each token's stem as the search's `russian` configuration makes it (the token itself for a stop
    word such as «для», which has none)."""
    if not tokens:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t, (tsvector_to_array(to_tsvector('russian', t)))[1] FROM unnest(%s::text[]) AS t",
            [tokens],
        )
        return {token: stem or token for token, stem in cursor.fetchall()}


def synonym_dictionary() -> Dictionary:
    """The staff's synonym groups with their stems, from the cache (one query after a change)."""
    dictionary = cache.get(SearchSynonym.CACHE_KEY)
    if dictionary is None:
        groups = tuple(tuple(s.entries()) for s in SearchSynonym.objects.order_by("pk"))
        stems = _stems(sorted({token for group in groups for entry in group for token in entry.split()}))
        index: dict[tuple[str, ...], tuple[int, ...]] = {}
        # A long stem is matched as a prefix: the stemmer cuts forms of one word differently
        # («живопись» → живоп, «живописи» → живопис); a short one («изо» → из) exactly.
        operands = tuple(
            tuple(
                " <-> ".join(t + (":*" if len(stems[t]) >= PREFIX_STEM_LENGTH else "") for t in entry.split())
                for entry in group
            )
            for group in groups
        )
        for number, group in enumerate(groups):
            for entry in group:
                key = tuple(stems[token] for token in entry.split())
                if number not in index.get(key, ()):
                    index[key] = (*index.get(key, ()), number)
        dictionary = Dictionary(groups=groups, operands=operands, index=index)
        cache.set(SearchSynonym.CACHE_KEY, dictionary, DICTIONARY_SECONDS)
    return dictionary


# --- Reading a query ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    typed: str
    stem: str
    correction: str  # the nearest vocabulary word (the token itself when it is one); "" when none
    correction_stem: str
    other_script: str  # its transliteration when that is a vocabulary word, else ""


_STEM = "coalesce((tsvector_to_array(to_tsvector('russian', {0})))[1], {0})"


def _look_up(tokens: list[str], *, correct: bool) -> list[_Token]:
    """One query for every token: its stem, the vocabulary's nearest word (and its stem) and whether
    the word in the other script is in the vocabulary. Short tokens are not looked up and not
    corrected (no query at all when every token is short)."""
    long_tokens = [t for t in tokens if len(t) >= CORRECTED_LENGTH]
    found: dict[str, tuple[str, str, str, str]] = {}
    if long_tokens:
        others = [transliteration(t) for t in long_tokens]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT t.token, {_STEM.format("t.token")}, c.word, {_STEM.format("c.word")},
                       CASE WHEN t.other <> '' AND EXISTS (SELECT 1 FROM catalog_searchword w WHERE w.word = t.other)
                            THEN t.other END
                  FROM unnest(%s::text[], %s::text[]) AS t(token, other)
                  LEFT JOIN LATERAL (
                      SELECT w.word FROM catalog_searchword w
                       WHERE %s AND similarity(w.word, t.token) >= %s AND w.word %% t.token
                       ORDER BY w.word <-> t.token LIMIT 1
                  ) c ON true
                """,
                [long_tokens, others, correct, TYPO_SIMILARITY],
            )
            found = {row[0]: (row[1], row[2] or "", row[3] or "", row[4] or "") for row in cursor.fetchall()}
    return [_Token(t, *found.get(t, (t, "", "", ""))) for t in tokens]


def _corrected(token: _Token, dictionary: Dictionary) -> str:
    """The word to search for a token: a known word (in the dictionary, the vocabulary, or the
    vocabulary in the other script) or an optional one as typed; otherwise its nearest vocabulary word."""
    known = (
        token.typed in OPTIONAL_WORDS
        or dictionary.groups_of((token.stem,))
        or token.other_script
        or not token.correction
        or token.correction == token.typed
    )
    return token.typed if known else token.correction


def corrected_words(q: str) -> list[str]:
    """The query's words after typo correction (dictionary words are kept as typed)."""
    dictionary = synonym_dictionary()
    return [_corrected(token, dictionary) for token in _look_up(query_tokens(q), correct=True)]


def _alternatives(words: list[str], groups: tuple[int, ...], dictionary: Dictionary, other: str) -> tuple[str, ...]:
    operands = [" <-> ".join(words)]
    for number in groups:
        operands.extend(dictionary.operands[number])
    if other:
        operands.append(other)
    return tuple(dict.fromkeys(operands))


def words_plan(q: str, *, exact: bool = False) -> WordsPlan | None:
    """The plan for a query, or None when it has no words."""
    tokens = query_tokens(q)
    if not tokens:
        return None
    dictionary = synonym_dictionary()
    looked_up = _look_up(tokens, correct=not exact)
    used = [token.typed if exact else _corrected(token, dictionary) for token in looked_up]
    # A corrected word is matched against the dictionary by the stem of the word it became.
    stems = [t.correction_stem if u != t.typed else t.stem for u, t in zip(used, looked_up, strict=True)]

    words: list[QueryWord] = []
    i = 0
    while i < len(tokens):
        # The longest dictionary expression starting here («изобразительное искусство»), else the word.
        for size in range(min(MAX_EXPRESSION_WORDS, len(tokens) - i), 0, -1):
            groups = dictionary.groups_of(tuple(stems[i : i + size]))
            if groups or size == 1:
                break
        span = slice(i, i + size)
        other = looked_up[i].other_script if size == 1 else ""
        words.append(
            QueryWord(
                typed=" ".join(tokens[span]),
                used=" ".join(used[span]),
                alternatives=_alternatives(used[span], groups, dictionary, other),
                optional=size == 1 and not groups and (used[i] in OPTIONAL_WORDS or used[i].isdigit()),
            )
        )
        i += size
    # The query as read (its words), never the raw text: that may hold markup, echoed by the API.
    return WordsPlan(typed=" ".join(tokens), words=tuple(words), exact=exact)
