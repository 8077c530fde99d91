"""From what a reader types to a Whoosh query.

The language: words, ``AND``/``OR``/``NOT``, ``"phrases"``, ``field:term`` (title, body,
author, topic, section, source, language, published), wildcards (``elect*``) and in-query date
ranges (``published:[2024-01 to 2024-03]``, ``date:2024``).

A plain list of words (no operators, fields or quotes; brackets alone do not count) becomes
"all words first, then most of them": an OR of the words (so a long natural question still
finds its stories) ranked by BM25F over title and body with a coordination bonus, so
stories matching more of the words rank above stories matching fewer.

Bad input never raises a parser traceback: unknown fields are reported by name; unbalanced
quotes and brackets are repaired or, failing that, the query is read as plain words.
"""

from __future__ import annotations

import re

from whoosh import qparser
from whoosh.qparser.dateparse import DateParserPlugin
from whoosh.query import And, Every, NullQuery, Or, Phrase, Query, Term

from indexer.schema import FIELD_ALIASES, QUERY_FIELDS

from .errors import BadDateError, QueryError, UnknownFieldError

MAX_QUERY_CHARS = 1000
MAX_TERMS = 64
#: a wildcard or prefix term needs this many letters before its first ``*`` or ``?``, and may
#: stand for at most ``MAX_EXPANSION`` words of the index: ``*e*`` would read every posting
MIN_LITERAL = 3
MAX_EXPANSION = 500
DEFAULT_FIELDS = ("title", "body")
#: Coordination bonus for plain word lists: a story matching more of the words ranks higher.
COORD_SCALE = 0.9
#: Proximity bonus for consecutive query words within this many positions, and its weight
#: relative to a single word (measured on the TIME collection: bench/relevance.py).
PROXIMITY_SLOP = 8
PROXIMITY_WEIGHT = 0.3
_FIELD_RE = re.compile(r"(?<![\w:/])([A-Za-z_]+):(?!//)")
_OPERATORS = re.compile(r'["()\[\]{}*?~^:]|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b')


def _parser(schema, date_errors: list, group=qparser.AndGroup):
    parser = qparser.MultifieldParser(list(DEFAULT_FIELDS), schema, group=group)
    aliases: dict[str, list[str]] = {}
    for alias, field in FIELD_ALIASES.items():
        aliases.setdefault(field, []).append(alias)
    parser.add_plugin(qparser.FieldAliasPlugin(aliases))
    parser.add_plugin(DateParserPlugin(free=False, callback=date_errors.append))
    parser.add_plugin(qparser.GtLtPlugin())
    return parser


def check_fields(text: str) -> None:
    """Raise UnknownFieldError for ``foo:bar`` with a field we do not have."""
    known = set(QUERY_FIELDS) | set(FIELD_ALIASES)
    for m in _FIELD_RE.finditer(text):
        name = m.group(1)
        if name.lower() not in known:
            raise UnknownFieldError(
                f"unknown field {name!r} in the query; searchable fields are: "
                f"{', '.join(sorted(set(QUERY_FIELDS) | {'topic'}))}")


def _repair(text: str) -> str:
    if text.count('"') % 2:
        text = text.replace('"', "")
    depth = 0
    out = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                continue
            depth -= 1
        out.append(ch)
    text = "".join(out) + ")" * depth
    if text.count("[") != text.count("]"):
        text = text.replace("[", " ").replace("]", " ")
    return text


def is_plain(text: str) -> bool:
    """A list of words, to be ranked "all first, then most". Brackets without AND/OR/NOT
    group nothing (the words would all be required either way), so prose with an aside in
    brackets ("the Baath (Renaissance) party") is a word list too, not a query that
    requires every word."""
    if "(" in text or ")" in text:
        text = text.replace("(", " ").replace(")", " ")
    return not _OPERATORS.search(text)


def plain_words(text: str) -> list[str]:
    return re.findall(r"\w+(?:[-'’.,]\w+)*", text)[:MAX_TERMS]


def parse(text: str, schema, notes: list[str] | None = None) -> Query:
    """The Whoosh query for ``text``. Raises QueryError only for problems the user must fix."""
    notes = notes if notes is not None else []
    text = (text or "").strip()
    if not text:
        return Every()
    if len(text) > MAX_QUERY_CHARS:
        notes.append(f"the query was cut to its first {MAX_QUERY_CHARS} characters")
        text = text[:MAX_QUERY_CHARS]
    check_fields(text)
    if is_plain(text):
        return plain_query(plain_words(text), schema)
    repaired = _repair(text)
    if repaired != text:
        notes.append("unbalanced quotes or brackets were ignored")
    date_errors: list = []
    try:
        q = _parser(schema, date_errors).parse(repaired)
    except Exception as exc:  # noqa: BLE001 - whoosh's parser raises assorted errors
        notes.append(f"the query could not be parsed ({type(exc).__name__}); searched its words")
        return plain_query(plain_words(text), schema)
    if date_errors:
        raise BadDateError(f"cannot read the date {str(date_errors[0])!r} in the query "
                           f"(use e.g. date:2024-05-07 or date:[2024-01 to 2024-03])")
    if q is None or q is NullQuery:
        return plain_query(plain_words(text), schema)
    return q


def _word_query(word: str, schema) -> Query | None:
    subs = []
    for field in DEFAULT_FIELDS:
        tokens = [t.text for t in schema[field].analyzer(word)]
        if not tokens:
            continue
        terms = [Term(field, t) for t in dict.fromkeys(tokens)]
        # "Jean-Luc" is indexed as jean, luc and jeanluc: require them all
        subs.append(terms[0] if len(terms) == 1 else And(terms))
    if not subs:
        return None
    return Or(subs)


def plain_query(words: list[str], schema) -> Query:
    """All words first, then most of them (see module docstring), plus a proximity bonus."""
    subs = [q for q in (_word_query(w, schema) for w in words) if q is not None]
    if not subs:
        return NullQuery
    if len(subs) == 1:
        return subs[0]
    # stories where consecutive query words occur near each other ("ngo dinh diem",
    # "west germany") get a bonus: a sequential-dependence-style proximity feature
    tokens = [t.text for w in words for t in schema["body"].analyzer(w)]
    pairs = [Phrase("body", [a, b], slop=PROXIMITY_SLOP, boost=PROXIMITY_WEIGHT)
             for a, b in zip(tokens, tokens[1:]) if a != b]
    return Or([*subs, *pairs], scale=COORD_SCALE)


def all_words(words: list[str], schema) -> Query:
    subs = [q for q in (_word_query(w, schema) for w in words) if q is not None]
    return And(subs) if subs else NullQuery


def check_cost(q: Query, reader) -> None:
    """Raise QueryError when ``q`` would cost more than a search may: a wildcard without
    enough letters before it, or one that stands for too many words of the index."""
    from itertools import islice

    from whoosh.query import FuzzyTerm, Prefix, Regex, TermRange, Wildcard

    stack = [q]
    while stack:
        node = stack.pop()
        if isinstance(node, TermRange):  # title:[a TO c]: as many words as lie between
            words = sum(1 for _ in islice(node.expanded_terms(reader), MAX_EXPANSION + 1))
            if words > MAX_EXPANSION:
                raise _too_many_words(expansion_key(node)[2], "narrow the range")
        elif isinstance(node, (Wildcard, Prefix, Regex, FuzzyTerm)):
            text = node.text
            lead = re.match(r"[^*?\[\\]*", text)
            literal = text if isinstance(node, Prefix) or lead is None else lead.group(0)
            if isinstance(node, Prefix):
                text += "*"  # as the reader wrote it
            if isinstance(node, Regex) or len(literal) < MIN_LITERAL:
                raise QueryError(f"{text!r}: a wildcard needs at least {MIN_LITERAL} letters "
                                 f"before its first * or ? (e.g. elect*)")
            words = sum(1 for _ in islice(node.expanded_terms(reader), MAX_EXPANSION + 1))
            if words > MAX_EXPANSION:
                raise _too_many_words(text)
        elif node.is_leaf():
            continue
        else:
            stack.extend(node.children())


def check_expansions(q: Query, expansions: dict[tuple[str, str, str], list[str]]) -> None:
    """Raise QueryError when a multi-term leaf of ``q`` stands for more than
    ``MAX_EXPANSION`` words of the whole collection (``expansions``, every shard's words):
    each shard checks only its own (:func:`check_cost`)."""
    from whoosh.query import Prefix, TermRange
    from whoosh.query.terms import MultiTerm

    for leaf in q.leaves():
        if isinstance(leaf, MultiTerm) and \
                len(expansions.get(expansion_key(leaf), ())) > MAX_EXPANSION:
            text = expansion_key(leaf)[2]
            if isinstance(leaf, TermRange):
                raise _too_many_words(text, "narrow the range")
            raise _too_many_words(text + ("*" if isinstance(leaf, Prefix) else ""))


def _too_many_words(text: str, advice: str = "add letters before the *") -> QueryError:
    return QueryError(f"{text!r} matches more than {MAX_EXPANSION} words of the archive: "
                      f"{advice}")


def expansion_key(node) -> tuple[str, str, str]:
    """How :func:`with_expansions` names a multi-term leaf (a prefix, wildcard, fuzzy term,
    or a range of words such as ``title:[a TO c]``, which has a start and an end instead of
    a text)."""
    if hasattr(node, "text"):
        text = _word(node.text)
    else:
        text = (f"{'{' if node.startexcl else '['}{_word(node.start)} TO "
                f"{_word(node.end)}{'}' if node.endexcl else ']'}")
    return type(node).__name__, node.fieldname, text


def _word(value) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def with_expansions(query: Query, expansions: dict[tuple[str, str, str], list[str]]) -> Query:
    """``query`` with each multi-term leaf that ``expansions`` names replaced by the words it
    stands for in the whole collection, OR'd and scored as words are.

    Whoosh expands such a leaf per segment and scores it as a plain term where the segment
    holds one matching word but with a constant score where it holds several, so a story's
    score depended on what else its segment (or shard) held. Spelt out with every shard's
    words, a wildcard ranks the same wherever its stories are."""
    from whoosh.query import NullQuery, Or, Term
    from whoosh.query.terms import MultiTerm

    def fix(node):
        if isinstance(node, MultiTerm):
            words = expansions.get(expansion_key(node))
            if words is not None:
                terms = [Term(node.fieldname, w, boost=node.boost) for w in words]
                if not terms:
                    return NullQuery
                return terms[0] if len(terms) == 1 else Or(terms)
        return node.apply(fix)

    return fix(query)
