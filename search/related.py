"""Related stories for editors: for an article in the archive, or for a draft they paste.

How a suggestion is found (measured on the Lee similarity ratings and on Reuters/BBC topics,
``bench/related.py``):

1. The source text becomes a log-TF × IDF vector over the news analyzer's terms (IDF from the
   index, so words every story uses weigh nothing).
2. Its ``QUERY_TERMS`` heaviest terms (those not in more than 1% of the stories) pick the
   ``CANDIDATES`` best-matching stories in one term-at-a-time pass over their postings; the
   date window, topic filters and the story's own topic tags apply here.
3. The candidates' texts (their first 3,000 characters, from the store) become vectors; the
   source vector is *expanded* with the centroid of its ``EXPAND`` closest candidates,
   weighted by closeness (pseudo-relevance feedback: the archive tells which other words go
   with the story's subject).
4. Candidates are ranked by cosine with the expanded vector; sharing the source's topic tags
   adds up to ``TOPIC_BOOST``. The story itself, its near-copies (MinHash sketch), stories the
   text already links to (and their copies) and copies of an earlier suggestion are left out.

Each suggestion names the terms it shares with the source that weigh most in its score, in the
source's own spelling.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Sequence

from crawler.urls import canonicalize
from indexer.analysis import news_analyzer
from indexer.fingerprint import fingerprint_of, near

from .collection import STALE
from .dates import date_range
from .errors import BadDateError, QueryError
from .related_shard import MAX_CANDIDATE, Filter, Offer
from .request import MAX_SUGGESTIONS

QUERY_TERMS = 20
COMMON = 0.01  # share of stories above which a term does not pick candidates
CANDIDATES = 40
EXPAND = 20
EXPAND_WEIGHT = 0.5
MAX_SOURCE = 20_000  # characters of the source text that are read (of candidates: see
#: search.related_shard.MAX_CANDIDATE)
EXPLAIN_TERMS = 5
TOPIC_BOOST = 0.5

_ANALYZER = news_analyzer()
_URL = re.compile(r"""https?://[^\s"'<>\])]+""")


@dataclass
class Suggestion:
    """One story to link, with the shared terms that explain it."""

    url: str
    title: str
    published: str | None
    source: str | None
    topics: list[str]
    score: float
    terms: list[str]
    copies: int = 1

    def as_dict(self) -> dict:
        return asdict(self)

    def html_link(self) -> str:
        """``<a href="url">title</a>``, escaped, ready to paste into a page."""
        return f'<a href="{html.escape(self.url)}">{html.escape(self.title or self.url)}</a>'

    def markdown_link(self) -> str:
        """``[title](url)``, safe to paste into a CMS: the title's HTML is shown as text
        (``<img onerror=…>`` never becomes markup), its Markdown syntax is escaped, and the
        URL is percent-encoded where Markdown or HTML would read it."""
        return f"[{markdown_text(self.title or self.url)}]({markdown_url(self.url)})"


_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]()|~])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def markdown_text(text: str) -> str:
    """``text`` for Markdown: HTML's ``<``, ``>`` and ``&`` as entities (shown as text), every
    Markdown punctuation mark backslash-escaped, control characters and line breaks gone."""
    text = _CONTROL.sub(" ", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SYNTAX.sub(r"\\\1", text)


def markdown_url(url: str) -> str:
    """``url`` for a Markdown link: what would end the link or start markup percent-encoded."""
    from urllib.parse import quote

    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


@dataclass
class Source:
    """What suggestions were found for: an archived story or a draft."""

    url: str | None
    title: str
    published: datetime | None
    topics: list[str] = field(default_factory=list)
    links: set[str] = field(default_factory=set)
    #: shards of a sharded archive that did not answer: the suggestions are the others'
    missing_shards: list[str] = field(default_factory=list)


#: the longest time window: longer than any archive's span, short of timedelta's limit
MAX_WINDOW_DAYS = 1000 * 365


def parse_window(text: str) -> timedelta:
    """``90d``, ``12w``, ``6m``, ``2y`` (or a bare number of days) to a timedelta."""
    m = re.fullmatch(r"\s*(\d+)\s*([dwmy]?)\s*", text or "")
    if not m:
        raise BadDateError(f"not a time window: {text!r} (use 90d, 12w, 6m or 2y)")
    days = int(m.group(1)) * {"d": 1, "w": 7, "m": 30, "y": 365}[m.group(2) or "d"]
    if days > MAX_WINDOW_DAYS:
        raise BadDateError(f"time window too long: {text!r} (at most {MAX_WINDOW_DAYS // 365} "
                           f"years)")
    return timedelta(days=days)


def links_in(text: str) -> set[str]:
    """Canonical URLs a draft (plain, Markdown or HTML) or a page links to."""
    out = set()
    for raw in _URL.findall(text or ""):
        raw = raw.rstrip(".,;:!?")
        try:
            out.add(canonicalize(raw))
        except Exception:  # noqa: BLE001 - a malformed URL in a draft is only not a link
            continue
    return out


class _Stale(Exception):
    """A shard has changed since the collection's statistics were read."""


class _Weights:
    """IDF weights of terms from the whole collection's numbers (every shard's), and the
    log-TF × IDF unit vectors they make. The numbers come from the collection's statistics
    kept beside a sharded archive's shards when there are some (``collection``, see
    :mod:`search.collection`), else they are asked of the shards as new terms come up."""

    def __init__(self, gather, collection=None):
        self.gather = gather
        self.collection = collection
        self.idf: dict[str, float] = {}
        self.df: dict[str, int] = {}
        self.live = self.all = 0

    def learn(self, terms) -> None:
        new = [t for t in dict.fromkeys(terms) if t not in self.idf]
        if not new and self.live:
            return
        if self.collection is not None:
            self.live, self.all = self.collection.live, self.collection.n_docs
            found = dict(zip(new, self.collection.dfs("body", new)))
        else:
            parts = self.gather.scatter("shard_related", ("frequencies", new)).values()
            self.live = sum(p[0] for p in parts)
            self.all = sum(p[1] for p in parts)
            found = {t: sum(p[2].get(t, 0) for p in parts) for t in new}
        n = max(1, self.live)
        for t, df in found.items():
            self.df[t] = df
            self.idf[t] = math.log((n + 1) / (df + 1))

    def ask(self, step: str, args_of, which: list[int] | None = None) -> dict[int, Any]:
        """Every shard's (or those ``which`` names) answer to a step whose words were weighed
        here, called with ``args_of(shard)`` (or the same args); raises _Stale when a shard is
        not the one the collection's statistics were read from."""
        def with_step(i):
            return (step, *(args_of(i) if callable(args_of) else args_of))

        if self.collection is None:
            return self.gather.scatter("shard_related", with_step, which)
        identities = frozenset(self.collection.identities)
        got = self.gather.scatter("shard_related_at", lambda i: (identities, *with_step(i)),
                                  which)
        if any(isinstance(g, str) and g == STALE for g in got.values()):
            raise _Stale
        return got

    def df_of(self, terms: list[str]) -> dict[str, int]:
        self.learn(terms)
        return {t: self.df[t] for t in terms}

    def vector(self, counts) -> dict[str, float]:
        self.learn(counts)
        vec = {}
        for t, n in counts.items():
            w = self.idf[t]
            if w > 0:
                vec[t] = (1.0 + math.log(n)) * w
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}


def _source_counts(text: str) -> tuple[Counter, dict[str, str]]:
    """Term counts and the first surface spelling of each term (of the source text)."""
    text = text[:MAX_SOURCE]
    counts: Counter = Counter()
    surface: dict[str, str] = {}
    for term, _, a, b in _ANALYZER.spans(text):
        counts[term] += 1
        if term not in surface:
            surface[term] = text[a:b]
    return counts, surface


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _candidates(gather, weights: _Weights, vec: dict[str, float], where: Filter, limit: int,
                tags: list[str], topic_boost: float, links: list[str]
                ) -> tuple[list[Offer], list[str]]:
    """The stories that best match the source's heaviest selective terms, from every shard.

    Term-at-a-time score accumulation over the body postings arrays (saturated term
    frequency × query weight): Whoosh's union matcher walks every posting of every clause and
    took seconds for a 30-term query on 200k stories. Terms in more than ``COMMON`` of the
    stories (and more than 500) are left to the re-ranking (they cannot pick candidates),
    keeping the rarest few if that leaves too little. Stories sharing the source's tags
    compete for the places too, with a bonus in proportion to the best score of all. Also
    the sketches of the stories ``links`` names.

    Two rounds: every shard ranks its stories (``related_shard.ranked``), then the stored
    fields and words of the collection's best only are read where they are
    (``related_shard.offers``), not those of every shard's best.
    """
    top = sorted(vec.items(), key=lambda kv: -kv[1])[:QUERY_TERMS]
    dfs = weights.df_of([t for t, _ in top])
    cap = max(COMMON * max(1, weights.all), 500)
    chosen = [(t, w) for t, w in top if 0 < dfs[t] <= cap]
    if len(chosen) < 5:
        chosen = sorted(((t, w) for t, w in top if dfs[t]), key=lambda tw: dfs[tw[0]])[:5]
    parts = weights.ask("ranked", (where, chosen, tags, limit, links))
    best = max((p.best for p in parts.values()), default=0.0)
    bonus = topic_boost * best / (2 * len(tags)) if tags else 0.0
    rows = []
    for shard, part in parts.items():
        for score, order, doc, held in part.rows:
            plain = score
            for _ in range(held):  # as adding the bonus for each tag in turn
                score += bonus
            # stories tied after the bonus rank by their score without it, as within a
            # shard's share of those holding as many tags
            rows.append((-score, -plain, order, shard, doc))
    rows.sort()
    wanted: dict[int, list[tuple[float, int, int]]] = {}
    for score, _, order, shard, doc in rows[:limit]:
        wanted.setdefault(shard, []).append((-score, order, doc))
    picked = weights.ask("offers", lambda i: (wanted[i],), sorted(wanted))
    offers = [o for found in picked.values() for o in found]
    offers.sort(key=lambda o: (-o.score, o.order))
    return offers, [sketch for part in parts.values() for sketch in part.sketches]


def _expanded(vec: dict[str, float], neighbours: list[tuple[float, dict[str, float]]]
              ) -> dict[str, float]:
    """The source vector moved toward the weighted centroid of its closest candidates."""
    centroid: dict[str, float] = {}
    for sim, v in neighbours:
        if sim <= 0:
            continue
        for t, w in v.items():
            centroid[t] = centroid.get(t, 0.0) + sim * w
    norm = math.sqrt(sum(w * w for w in centroid.values()))
    if not norm:
        return vec
    out: dict[str, float] = {t: EXPAND_WEIGHT * w for t, w in vec.items()}
    for t, w in centroid.items():
        out[t] = out.get(t, 0.0) + (1 - EXPAND_WEIGHT) * w / norm
    total = math.sqrt(sum(w * w for w in out.values())) or 1.0
    return {t: w / total for t, w in out.items()}


def _score(gather, weights: _Weights, text: str, where: Filter, exclude: str | None,
           topics: list[str] | None = None, topic_boost: float = TOPIC_BOOST,
           links: Sequence[str] = ()):
    """(source counts, source surface forms, expanded vector, [(score, fields, vector)],
    sketches of the stories ``links`` names).

    ``topics``: the source's own topic tags; a candidate sharing them gains up to
    ``topic_boost`` of its score (the tags are the newsroom's word on what a story is about).
    """
    counts, surface = _source_counts(text)
    vec = weights.vector(counts)
    tags = sorted({t.lower() for t in topics or ()})
    offers, sketches = _candidates(gather, weights, vec, where, CANDIDATES + 1, tags,
                                   topic_boost, list(links))
    found = [o for o in offers if o.stored["id"] != exclude]
    weights.learn(t for o in found for t in o.counts)
    cands = []
    for o in found:
        cvec = weights.vector(o.counts)
        cands.append((_dot(vec, cvec), o.stored, cvec))
    close = sorted(cands, key=lambda c: -c[0])[:EXPAND]
    expanded = _expanded(vec, [(sim, v) for sim, _, v in close])
    scored = []
    for _, f, cvec in cands:
        score = _dot(expanded, cvec)
        if tags:
            theirs = {t for t in (f.get("topics") or "").split(",") if t}
            score *= 1.0 + topic_boost * len(set(tags) & theirs) / len(tags)
        scored.append((score, f, cvec))
    scored.sort(key=lambda c: -c[0])
    return counts, surface, expanded, scored, sketches


def _gather(idx):
    """The shards to ask: an open ``SearchIndex`` is one, a ``ShardedSearch`` has several."""
    from .gather import Gather, LocalShard

    if hasattr(idx, "gather"):
        return idx.gather()
    return Gather([LocalShard(idx)], None, lambda: None)


def relatedness(idx, text: str, others: dict[str, str],
                exclude: str | None = None) -> dict[str, float]:
    """How related each of ``others`` (key -> text) is to ``text``: the score ``related`` ranks
    by (cosine with the archive-expanded source vector), for benchmarks and diagnostics."""
    gather = _gather(idx)
    weights = _Weights(gather)
    expanded = _score(gather, weights, text, Filter(), exclude)[2]
    return {k: _dot(expanded, weights.vector(Counter(_ANALYZER.terms(t[:MAX_CANDIDATE]))))
            for k, t in others.items()}


def _source(gather, url: str | None, text: str | None) -> tuple[Source, str]:
    if url:
        which, key = gather.likely(url), url
        if url.strip().isdigit():
            which, local = gather.locate(int(url.strip()))
            key = str(local)
        found = [f for f in gather.scatter("shard_related", ("source", key), which).values()
                 if f]
        if not found and which is not None and not url.strip().isdigit():
            # not where its sharding rule puts it (a partner site crawled from another's
            # seed, an archive resharded by hand): the others may hold it
            rest = [i for i in range(len(gather.shards)) if i not in which]
            found = [f for f in gather.scatter("shard_related", ("source", key), rest).values()
                     if f]
        if not found:
            if url.strip().isdigit():
                raise QueryError(f"there is no article number {url.strip()} in the archive")
            raise QueryError(f"{url} is not in the index; give a story's URL as search shows "
                             f"it, or its text")
        got = found[0]
        stored, body = got["stored"], got["body"]
        src = Source(url=got["url"], title=stored.get("title") or "",
                     published=stored.get("published"),
                     topics=[t for t in (stored.get("topics") or "").split(",") if t],
                     links=set(got["links"]) | links_in(body))
        return src, f"{src.title}\n{body}"
    if not text or not text.strip():
        raise QueryError("give an article URL or some text to find related stories for")
    first = text.strip().splitlines()[0]
    return Source(url=None, title=first[:120], published=None, links=links_in(text)), text


def _window(source: Source, within, before, after) -> tuple[datetime | None, datetime | None]:
    start = date_range(after)[1] if after else None
    end = date_range(before)[0] if before else None
    if within:
        span = parse_window(within)
        center = source.published or datetime.now()
        start = max(start, center - span) if start else center - span
        end = min(end, center + span) if end else center + span
    if start and end and start > end:
        raise BadDateError("the date options leave no time to search in")
    return start, end


def related(idx, *, url: str | None = None, text: str | None = None,
            limit: int = 5, within: str | None = None, before: str | None = None,
            after: str | None = None, same_topic: bool = False, topic: str | None = None,
            recency: bool = False, topic_boost: float = TOPIC_BOOST
            ) -> tuple[Source, list[Suggestion]]:
    """Stories to link from the archived article ``url`` or from a draft ``text``, in the
    archive ``idx`` (a ``SearchIndex``, or a ``ShardedSearch``: the same answer).

    ``within`` (``90d``, ``6m``…) keeps stories published that close to the article's date (to
    today for a draft); ``before``/``after`` bound the date; ``same_topic`` keeps stories that
    share a topic with the article; ``topic`` keeps one topic; ``recency`` prefers recent ones;
    ``topic_boost`` is how much sharing the article's topic tags counts (0: text alone).
    Raises QueryError with a message for the user.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_SUGGESTIONS:
        raise QueryError(f"limit must be between 1 and {MAX_SUGGESTIONS}")
    gather = _gather(idx)
    source, body = _source(gather, url, text)
    start, end = _window(source, within, before, after)
    if same_topic and not source.topics:
        raise QueryError("keeping the same topic needs an archived article with topics; "
                         "for a draft, name the topic")
    where = Filter(start, end, topic, tuple(source.topics) if same_topic else ())
    collection = gather.collection() if gather.collection else None
    if collection is not None and len(collection.identities) != len(gather.shards):
        collection = None
    args = (body, where, source.url, source.topics if topic_boost else None, topic_boost,
            sorted(source.links))
    try:
        counts, surface, expanded, scored, linked = _score(
            gather, _Weights(gather, collection), *args)
    except _Stale:
        gather.stale()
        counts, surface, expanded, scored, linked = _score(gather, _Weights(gather), *args)
    if recency:
        scored = _prefer_recent(scored, source.published or datetime.now())
    # left out: the source's own copies, and linked stories with their copies
    known = [fingerprint_of("", body)] + linked
    source.missing_shards = sorted(set(gather.missing))
    return source, _pick(scored, source, known, counts, surface, expanded, limit)


def _pick(scored, source: Source, known: list[str], counts, surface, expanded,
          limit: int) -> list[Suggestion]:
    picked: list[tuple[Suggestion, str | None]] = []
    for score, f, cvec in scored:
        if f["id"] in source.links or any(near(f.get("sketch"), k) for k in known):
            continue
        copy_of = next((s for s, sk in picked if near(f.get("sketch"), sk)), None)
        if copy_of is not None:
            copy_of.copies += 1
            continue
        if len(picked) >= limit:
            continue
        shared_terms = sorted((t for t in cvec if t in counts),
                              key=lambda t: -expanded.get(t, 0.0) * cvec[t])[:EXPLAIN_TERMS]
        published = f.get("published")
        picked.append((Suggestion(
            url=f["id"], title=f.get("title") or "",
            published=published.date().isoformat() if published else None,
            source=f.get("source"),
            topics=[t for t in (f.get("topics") or "").split(",") if t],
            score=round(score, 4), terms=[surface[t] for t in shared_terms]), f.get("sketch")))
    return [s for s, _ in picked]


def _prefer_recent(scored, reference: datetime):
    """Scores halved for every year a story is older than the reference date, down to a
    quarter at most; undated stories count as old."""
    out = []
    for score, f, cvec in scored:
        published = f.get("published")
        age = max(0.0, (reference - published).days / 365.0) if published else 2.0
        out.append((score * max(0.25, 0.5 ** age), f, cvec))
    out.sort(key=lambda c: -c[0])
    return out
