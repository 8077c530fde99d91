"""The store of record: one SQLite database in the archive directory.

Tables:

- ``crawls``     one row per crawl run; a run without ``finished_at`` is resumed by the next crawl.
- ``frontier``   every URL the crawl has decided to fetch, its state in the current run and hints
                 from sitemaps and feeds. ``crawl_id`` is the last run that queued it, so a new run
                 re-queues what it rediscovers (re-crawl) and a resumed run skips what it finished.
                 In a shard of a sharded crawl, links that are another shard's are kept here in
                 state ``handoff`` until the crawl hands them over.
- ``fetches``    one row per HTTP fetch: status, validators (ETag, Last-Modified), WARC location,
                 outcome and error.
- ``redirects``  old URL -> new URL.
- ``articles``   one row per story, keyed by canonical URL; ``article_versions`` keeps each earlier
                 version when a re-crawl finds the story changed.
- ``changes``    an append-only log (seq, url, op) that the indexer follows incrementally.

Crash safety: WAL journal; everything about one fetched page (fetch row, article, new links,
frontier state) is committed in one transaction after its WARC records are written, so ``kill -9``
at any moment loses at most pages in flight, which the resumed run fetches again.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import StoreError
from .layout import STORE_NAME, store_path, warc_dir

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS crawls (
    id INTEGER PRIMARY KEY, started_at REAL, finished_at REAL, seeds TEXT, settings TEXT,
    stats TEXT);
CREATE TABLE IF NOT EXISTS frontier (
    url TEXT PRIMARY KEY, host TEXT NOT NULL, depth INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'queued', kind TEXT NOT NULL DEFAULT 'page',
    crawl_id INTEGER, via TEXT, hint_date TEXT, tries INTEGER NOT NULL DEFAULT 0,
    outcome TEXT, pattern TEXT, added_at REAL, done_at REAL);
CREATE INDEX IF NOT EXISTS frontier_queue ON frontier(state, crawl_id, depth);
CREATE INDEX IF NOT EXISTS frontier_pattern ON frontier(pattern, state);
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY, url TEXT NOT NULL, crawl_id INTEGER, status INTEGER,
    content_type TEXT, etag TEXT, last_modified TEXT, warc_file TEXT, warc_offset INTEGER,
    warc_length INTEGER, bytes INTEGER, truncated INTEGER NOT NULL DEFAULT 0, outcome TEXT,
    error TEXT, fetched_at REAL);
CREATE INDEX IF NOT EXISTS fetches_url ON fetches(url);
CREATE TABLE IF NOT EXISTS redirects (from_url TEXT PRIMARY KEY, to_url TEXT, status INTEGER);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY, canonical_url TEXT UNIQUE NOT NULL, url TEXT NOT NULL,
    title TEXT, body TEXT, published TEXT, published_source TEXT, published_confidence REAL,
    updated TEXT, author TEXT, topics TEXT, section TEXT, language TEXT, description TEXT,
    image TEXT, source TEXT, fetched_at REAL, warc_file TEXT, warc_offset INTEGER,
    content_hash TEXT, version INTEGER NOT NULL DEFAULT 1, crawl_id INTEGER,
    changed_at REAL, extractor TEXT);
CREATE TABLE IF NOT EXISTS article_versions (
    id INTEGER PRIMARY KEY, canonical_url TEXT NOT NULL, version INTEGER, title TEXT, body TEXT,
    published TEXT, updated TEXT, author TEXT, topics TEXT, section TEXT, fetched_at REAL,
    warc_file TEXT, warc_offset INTEGER, content_hash TEXT, replaced_at REAL);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, canonical_url TEXT NOT NULL, op TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS site_templates (host TEXT PRIMARY KEY, data TEXT NOT NULL,
    updated_at REAL);
"""

#: the crawl's history: its runs, what each queued, every fetch with its validators,
#: redirects and what was learned of each host's page template
CRAWL_TABLES = ("crawls", "frontier", "fetches", "redirects", "site_templates")

ARTICLE_FIELDS = ("canonical_url", "url", "title", "body", "published", "published_source",
                  "published_confidence", "updated", "author", "topics", "section", "language",
                  "description", "image", "source", "fetched_at", "warc_file", "warc_offset",
                  "content_hash", "extractor")


@dataclass
class Article:
    """A story as the store keeps it (topics as a list)."""

    canonical_url: str
    url: str
    title: str = ""
    body: str = ""
    published: str | None = None
    published_source: str | None = None
    published_confidence: float | None = None
    updated: str | None = None
    author: str | None = None
    topics: list[str] | None = None
    section: str | None = None
    language: str | None = None
    description: str | None = None
    image: str | None = None
    source: str | None = None
    fetched_at: float | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    content_hash: str | None = None
    extractor: str | None = None
    version: int = 1

    def row(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in ARTICLE_FIELDS}
        d["topics"] = json.dumps(self.topics or [], ensure_ascii=False)
        return d

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Article":
        d = {k: row[k] for k in ARTICLE_FIELDS}
        d["topics"] = json.loads(row["topics"] or "[]")
        d["version"] = row["version"]
        return cls(**d)


def content_hash(title: str, body: str) -> str:
    import hashlib

    return hashlib.sha1(f"{title}\n{body}".encode("utf-8", "replace")).hexdigest()


class Store:
    """The archive's SQLite store of record. Use as a context manager or call :meth:`close`."""

    def __init__(self, archive: str | Path, create: bool = True):
        self.archive = Path(archive)
        self.path = store_path(self.archive)
        if not create and not self.path.exists():
            raise StoreError(f"no archive at {self.archive} (no {STORE_NAME}); "
                             f"run `newsarchive crawl URL` or `newsarchive import FILE` first")
        try:
            self.archive.mkdir(parents=True, exist_ok=True)
            self._group_age: float | None = None  # see group_commits
            self._group_started: float | None = None
            self._depth = 0  # transactions open (a nested one is a savepoint)
            self._last_added: float | None = None  # see enqueue
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                            (str(SCHEMA_VERSION),))
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc

    @property
    def warc_dir(self) -> Path:
        return warc_dir(self.archive)

    def close(self) -> None:
        self.flush()
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------
    def transaction(self):
        """``with store.transaction():`` groups writes into one atomic commit (or, with
        :meth:`group_commits` on, into one atomic part of the next commit)."""
        return _Tx(self)

    def group_commits(self, max_age: float | None) -> None:
        """Commit at most every ``max_age`` seconds (None: at the end of every transaction).

        A crawl writes one transaction per page, and committing each was about 5% of the
        crawling process's time. Grouped, each page's transaction becomes a savepoint in a
        transaction committed by :meth:`commit_due` or :meth:`flush`: it is still all or
        nothing, and a crash loses at most the last ``max_age`` seconds of pages, which a
        resumed crawl fetches again (their WARC records are written first, so nothing the
        store points at is ever missing)."""
        if max_age is None:
            self.flush()
        self._group_age = max_age

    def commit_due(self) -> None:
        """Commit the group of transactions if it is older than ``max_age``."""
        if self._group_started is not None and self._depth == 0 and \
                time.monotonic() - self._group_started >= (self._group_age or 0.0):
            self.flush()

    def flush(self) -> None:
        """Commit the open group of transactions, if any."""
        if self._group_started is not None and self._depth == 0:
            self._group_started = None
            if self.db.in_transaction:
                self.db.execute("COMMIT")

    @property
    def group_open(self) -> bool:
        return self._group_started is not None

    # -- crawls -------------------------------------------------------------------------
    def unfinished_crawl(self) -> int | None:
        """The id of the crawl a new one would resume (None: there is none)."""
        row = self.db.execute(
            "SELECT id FROM crawls WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1").fetchone()
        return row["id"] if row else None

    def open_crawl(self, seeds: list[str], settings: dict) -> tuple[int, bool]:
        """Resume the unfinished crawl if there is one, else start a new one: (id, resumed)."""
        unfinished = self.unfinished_crawl()
        if unfinished is not None:
            return unfinished, True
        cur = self.db.execute(
            "INSERT INTO crawls(started_at, seeds, settings) VALUES (?, ?, ?)",
            (time.time(), json.dumps(seeds), json.dumps(settings, default=str)))
        assert cur.lastrowid is not None  # an INSERT's row
        return cur.lastrowid, False

    def finish_crawl(self, crawl_id: int, stats: dict) -> None:
        self.db.execute("UPDATE crawls SET finished_at=?, stats=? WHERE id=?",
                        (time.time(), json.dumps(stats), crawl_id))

    def last_crawl(self) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM crawls ORDER BY id DESC LIMIT 1").fetchone()

    # -- frontier -----------------------------------------------------------------------
    def enqueue(self, url: str, host: str, depth: int, crawl_id: int, kind: str = "page",
                via: str | None = None, hint_date: str | None = None, state: str = "queued",
                pattern: str | None = None) -> bool:
        """Queue (or hold) ``url`` for this crawl unless this crawl already has it. True if new.
        The time it is added never goes back in a store, even if the clock does (a sharded
        crawl collects its links for other shards by it: ``handoffs``)."""
        if self._last_added is None:
            self._last_added = self.db.execute(
                "SELECT COALESCE(MAX(added_at), 0) FROM frontier").fetchone()[0]
        now = self._last_added = max(time.time(), self._last_added)
        cur = self.db.execute(
            "INSERT INTO frontier(url, host, depth, state, kind, crawl_id, via, hint_date,"
            " pattern, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET state=excluded.state, crawl_id=excluded.crawl_id,"
            "   depth=excluded.depth, tries=0, kind=excluded.kind, outcome=NULL,"
            "   pattern=excluded.pattern,"
            "   hint_date=COALESCE(excluded.hint_date, frontier.hint_date),"
            "   added_at=excluded.added_at"
            " WHERE frontier.crawl_id IS NOT excluded.crawl_id",
            (url, host, depth, state, kind, crawl_id, via, hint_date, pattern, now))
        if cur.rowcount == 0 and hint_date:
            self.db.execute("UPDATE frontier SET hint_date=COALESCE(hint_date, ?) WHERE url=?",
                            (hint_date, url))
        return cur.rowcount > 0

    def queued(self, crawl_id: int) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT url, host, depth, kind, hint_date, tries FROM frontier"
            " WHERE state='queued' AND crawl_id=? ORDER BY depth, added_at", (crawl_id,)).fetchall()

    def release_held(self, pattern: str, crawl_id: int) -> list[sqlite3.Row]:
        """Turn this crawl's held URLs of ``pattern`` into queued ones; returns them."""
        rows = self.db.execute(
            "SELECT url, host, depth, kind, hint_date, tries FROM frontier"
            " WHERE pattern=? AND state='held' AND crawl_id=?", (pattern, crawl_id)).fetchall()
        self.db.execute("UPDATE frontier SET state='queued' WHERE pattern=? AND state='held'"
                        " AND crawl_id=?", (pattern, crawl_id))
        return rows

    def crawl_urls(self, crawl_id: int) -> Iterator[sqlite3.Row]:
        """Every frontier URL this crawl has touched (to rebuild trap counters on resume)."""
        yield from self.db.execute("SELECT url, state, kind, via, outcome FROM frontier"
                                   " WHERE crawl_id=?", (crawl_id,))

    def finish_url(self, url: str, state: str, outcome: str, tries: int = 0) -> None:
        self.db.execute("UPDATE frontier SET state=?, outcome=?, tries=?, done_at=? WHERE url=?",
                        (state, outcome, tries, time.time(), url))

    def frontier_row(self, url: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM frontier WHERE url=?", (url,)).fetchone()

    def frontier_counts(self, crawl_id: int | None = None) -> dict[str, int]:
        sql = "SELECT outcome, COUNT(*) n FROM frontier"
        args: tuple = ()
        if crawl_id is not None:
            sql += " WHERE crawl_id=?"
            args = (crawl_id,)
        rows = self.db.execute(sql + " GROUP BY outcome", args)
        return {r["outcome"] or "queued": r["n"] for r in rows}

    # -- fetches ------------------------------------------------------------------------
    def add_fetch(self, **fields: Any) -> int:
        keys = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        cur = self.db.execute(f"INSERT INTO fetches({keys}) VALUES ({marks})",
                              tuple(fields.values()))
        assert cur.lastrowid is not None  # an INSERT's row
        return cur.lastrowid

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified of the last successful (200) fetch of ``url``."""
        row = self.db.execute(
            "SELECT etag, last_modified FROM fetches WHERE url=? AND status=200"
            " ORDER BY id DESC LIMIT 1", (url,)).fetchone()
        return (row["etag"], row["last_modified"]) if row else (None, None)

    def add_redirect(self, from_url: str, to_url: str, status: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO redirects VALUES (?, ?, ?)",
                        (from_url, to_url, status))

    # -- articles -----------------------------------------------------------------------
    def get_article(self, canonical_url: str) -> Article | None:
        row = self.db.execute("SELECT * FROM articles WHERE canonical_url=?",
                              (canonical_url,)).fetchone()
        return Article.from_row(row) if row else None

    def upsert_article(self, article: Article, crawl_id: int | None = None) -> str:
        """Insert or update a story. Returns 'new', 'changed' or 'unchanged'.

        A changed story keeps its earlier version in ``article_versions``.
        """
        article.content_hash = article.content_hash or content_hash(article.title, article.body)
        old = self.db.execute("SELECT * FROM articles WHERE canonical_url=?",
                              (article.canonical_url,)).fetchone()
        row = article.row()
        now = time.time()
        if old is None:
            cols = ", ".join(row)
            self.db.execute(
                f"INSERT INTO articles({cols}, version, crawl_id, changed_at)"
                f" VALUES ({', '.join('?' for _ in row)}, 1, ?, ?)",
                (*row.values(), crawl_id, now))
            self._log_change(article.canonical_url, "upsert")
            return "new"
        if old["content_hash"] == article.content_hash and _same_meta(old, row):
            self.db.execute("UPDATE articles SET crawl_id=?, fetched_at=?, warc_file=?,"
                            " warc_offset=? WHERE id=?",
                            (crawl_id, row["fetched_at"], row["warc_file"], row["warc_offset"],
                             old["id"]))
            return "unchanged"
        if old["content_hash"] != article.content_hash:
            self.db.execute(
                "INSERT INTO article_versions(canonical_url, version, title, body, published,"
                " updated, author, topics, section, fetched_at, warc_file, warc_offset,"
                " content_hash, replaced_at) SELECT canonical_url, version, title, body,"
                " published, updated, author, topics, section, fetched_at, warc_file,"
                " warc_offset, content_hash, ? FROM articles WHERE id=?", (now, old["id"]))
            version = old["version"] + 1
        else:
            version = old["version"]
        sets = ", ".join(f"{k}=?" for k in row)
        self.db.execute(f"UPDATE articles SET {sets}, version=?, crawl_id=?, changed_at=? "
                        f"WHERE id=?", (*row.values(), version, crawl_id, now, old["id"]))
        self._log_change(article.canonical_url, "upsert")
        return "changed"

    def replace_article(self, article: Article) -> None:
        """Put a better reading of the same capture in place of the stored one (the crawl
        cleaning its first pages again once it knows the site's template): no new version,
        since the story itself did not change."""
        article.content_hash = content_hash(article.title, article.body)
        row = article.row()
        cur = self.db.execute(
            f"UPDATE articles SET {', '.join(f'{k}=?' for k in row)} WHERE canonical_url=?",
            (*row.values(), article.canonical_url))
        if cur.rowcount:
            self._log_change(article.canonical_url, "upsert")

    def delete_article(self, canonical_url: str) -> bool:
        cur = self.db.execute("DELETE FROM articles WHERE canonical_url=?", (canonical_url,))
        if cur.rowcount:
            self._log_change(canonical_url, "delete")
        return cur.rowcount > 0

    def _log_change(self, canonical_url: str, op: str) -> None:
        self.db.execute("INSERT INTO changes(canonical_url, op) VALUES (?, ?)", (canonical_url, op))

    def template(self, host: str) -> str | None:
        """The template learned for ``host`` (JSON, see :mod:`crawler.template`), or None."""
        row = self.db.execute("SELECT data FROM site_templates WHERE host=?", (host,)).fetchone()
        return row[0] if row else None

    def save_template(self, host: str, data: str) -> None:
        self.db.execute("INSERT INTO site_templates (host, data, updated_at) VALUES (?, ?, ?)"
                        " ON CONFLICT(host) DO UPDATE SET data=excluded.data,"
                        " updated_at=excluded.updated_at", (host, data, time.time()))

    def fetch_of(self, url: str) -> sqlite3.Row | None:
        """The last successful fetch of ``url`` with its capture (WARC file and offset)."""
        return self.db.execute(
            "SELECT url, warc_file, warc_offset, fetched_at, content_type FROM fetches"
            " WHERE url=? AND status BETWEEN 200 AND 299 AND warc_file IS NOT NULL"
            " ORDER BY id DESC LIMIT 1", (url,)).fetchone()

    def articles(self, batch: int = 1000, after: int = 0, upto: int | None = None
                 ) -> Iterator[Article]:
        """Every story (with row id in ``(after, upto]`` when given), in insertion order,
        streamed."""
        last = after
        bound = upto if upto is not None else 2 ** 62
        while True:
            rows = self.db.execute("SELECT * FROM articles WHERE id>? AND id<=? "
                                   "ORDER BY id LIMIT ?", (last, bound, batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield Article.from_row(row)
            last = rows[-1]["id"]

    # -- what moving stories between archives does (archive.resharding) --------------------
    def story_rows(self, batch: int = 500) -> Iterator[tuple[dict, list[dict]]]:
        """Every story as (its row, the rows of its earlier versions), in insertion order."""
        last = 0
        while True:
            rows = [dict(r) for r in self.db.execute(
                "SELECT * FROM articles WHERE id>? ORDER BY id LIMIT ?", (last, batch))]
            if not rows:
                return
            for row in rows:
                versions = [dict(v) for v in self.db.execute(
                    "SELECT * FROM article_versions WHERE canonical_url=? ORDER BY id",
                    (row["canonical_url"],))]
                yield row, versions
            last = rows[-1]["id"]

    def crawl_rows(self, table: str) -> Iterator[dict]:
        """Every row of one of the crawl's tables (:data:`CRAWL_TABLES`), oldest first."""
        if table not in CRAWL_TABLES:
            raise ValueError(f"not a crawl table: {table}")
        for row in self.db.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            yield dict(row)

    def put_crawl_row(self, table: str, row: dict) -> None:
        """Store a row as :meth:`crawl_rows` gave it (a fetch gets this store's own number)."""
        if table not in CRAWL_TABLES:
            raise ValueError(f"not a crawl table: {table}")
        if table == "fetches":
            row = {k: v for k, v in row.items() if k != "id"}
        self.db.execute(f"INSERT OR REPLACE INTO {table}({','.join(row)}) VALUES "
                        f"({','.join('?' for _ in row)})", list(row.values()))

    def put_story(self, row: dict, versions: list[dict]) -> None:
        """Store a story as :meth:`story_rows` gave it (its number is this store's own)."""
        row = {k: v for k, v in row.items() if k != "id"}
        marks = ",".join("?" for _ in row)
        self.db.execute(f"INSERT OR REPLACE INTO articles({','.join(row)}) VALUES ({marks})",
                        list(row.values()))
        for version in versions:
            version = {k: v for k, v in version.items() if k != "id"}
            self.db.execute(f"INSERT INTO article_versions({','.join(version)}) VALUES "
                            f"({','.join('?' for _ in version)})", list(version.values()))
        self.db.execute("INSERT INTO changes(canonical_url, op) VALUES (?, 'upsert')",
                        (row["canonical_url"],))

    def long_stories(self, chars: int) -> Iterator[tuple[str, str]]:
        """(canonical URL, title and the first ``chars`` characters of the body) of the
        stories whose body is longer than that."""
        for url, title, body in self.db.execute(
                "SELECT canonical_url, title, substr(body, 1, ?) FROM articles"
                " WHERE length(body) > ?", (chars, chars)):
            yield url, f"{title or ''}\n{body or ''}"

    def article_row_ids(self) -> list[int]:
        """The stories' row ids in insertion order (to share out work by id range)."""
        return [r[0] for r in self.db.execute("SELECT id FROM articles ORDER BY id")]

    def articles_by_url(self, urls: Iterable[str]) -> dict[str, Article]:
        urls = list(urls)
        out: dict[str, Article] = {}
        for i in range(0, len(urls), 500):
            chunk = urls[i:i + 500]
            marks = ",".join("?" for _ in chunk)
            for row in self.db.execute(f"SELECT * FROM articles WHERE canonical_url IN ({marks})",
                                       chunk):
                out[row["canonical_url"]] = Article.from_row(row)
        return out

    def count_articles(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    # -- what the crawler asks ---------------------------------------------------------------
    def crawl_seeds(self, crawl_id: int) -> list[str]:
        row = self.db.execute("SELECT seeds FROM crawls WHERE id=?", (crawl_id,)).fetchone()
        return json.loads(row["seeds"] or "[]") if row else []

    def handoffs(self, crawl_id: int, since: tuple[float, str] = (0.0, "")
                 ) -> tuple[list[tuple], tuple[float, str]]:
        """Links a shard's crawl found that are another shard's, kept until the sharded crawl
        hands them over: (url, depth, kind, via, hint date) of those added after ``since``
        (when, URL) and the (when, URL) of the last of them (the next ``since``)."""
        rows = self.db.execute(
            "SELECT url, depth, kind, via, hint_date, added_at FROM frontier"
            " WHERE crawl_id=? AND state='handoff' AND (added_at>? OR (added_at=? AND url>?))"
            " ORDER BY added_at, url", (crawl_id, since[0], since[0], since[1])).fetchall()
        last = (rows[-1]["added_at"], rows[-1]["url"]) if rows else since
        return [tuple(row)[:5] for row in rows], last

    def held_count(self, crawl_id: int) -> int:
        """URLs of a crawl held back until their pattern proves to be articles."""
        return self.db.execute("SELECT COUNT(*) FROM frontier WHERE crawl_id=? AND state='held'",
                               (crawl_id,)).fetchone()[0]

    def article_origin(self, canonical_url: str) -> tuple[str, int | None] | None:
        """(the URL it was fetched from, the crawl that stored it) of a stored story."""
        row = self.db.execute("SELECT url, crawl_id FROM articles WHERE canonical_url=?",
                              (canonical_url,)).fetchone()
        return (row["url"], row["crawl_id"]) if row else None

    # -- what an import does -----------------------------------------------------------------
    @contextmanager
    def batches(self, size: int = 5000):
        """One transaction per ``size`` writes: yields a function to call after each write.
        An error rolls back the writes since the last commit (an import is idempotent:
        running it again stores them)."""
        written = 0

        def wrote() -> None:
            nonlocal written
            written += 1
            if written % size == 0:
                self.db.execute("COMMIT")
                self.db.execute("BEGIN IMMEDIATE")

        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield wrote
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    # -- what stats shows --------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Counts for ``newsarchive stats``: stories, undated ones, earlier versions, fetches,
        the date range, and stories per topic and per source."""
        db = self.db
        first, last = db.execute(
            "SELECT MIN(substr(published,1,10)), MAX(substr(published,1,10)) FROM articles"
            " WHERE published IS NOT NULL").fetchone()
        topics: dict[str, int] = {}
        sources: dict[str, int] = {}
        for row in db.execute("SELECT topics, source FROM articles"):
            for t in json.loads(row["topics"] or "[]"):
                topics[t.lower()] = topics.get(t.lower(), 0) + 1
            source = row["source"] or "?"
            sources[source] = sources.get(source, 0) + 1
        return {
            "articles": self.count_articles(),
            "undated": db.execute(
                "SELECT COUNT(*) FROM articles WHERE published IS NULL").fetchone()[0],
            "earlier_versions": db.execute(
                "SELECT COUNT(*) FROM article_versions").fetchone()[0],
            "fetches": db.execute("SELECT COUNT(*) FROM fetches").fetchone()[0],
            "date_range": [first, last] if first else None,
            "topics": topics, "sources": sources,
        }

    def last_seq(self) -> int:
        row = self.db.execute("SELECT MAX(seq) FROM changes").fetchone()
        return row[0] or 0

    def changes_since(self, seq: int) -> tuple[int, dict[str, str]]:
        """Changes after ``seq``: (new last seq, url -> last op)."""
        out: dict[str, str] = {}
        last = seq
        for row in self.db.execute("SELECT seq, canonical_url, op FROM changes WHERE seq>? "
                                   "ORDER BY seq", (seq,)):
            out[row["canonical_url"]] = row["op"]
            last = row["seq"]
        return last, out


def _same_meta(old: sqlite3.Row, new: dict[str, Any]) -> bool:
    return all(old[k] == new[k] for k in ("published", "author", "topics", "section", "updated"))


class _Tx:
    def __init__(self, store: Store):
        self.store = store
        self.db = store.db
        self.grouped = False

    def __enter__(self):
        store = self.store
        self.grouped = store._group_age is not None or store._group_started is not None
        if not self.grouped:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db
        if store._group_started is None:
            self.db.execute("BEGIN IMMEDIATE")
            store._group_started = time.monotonic()
        self.db.execute("SAVEPOINT tx")
        store._depth += 1
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if not self.grouped:
            self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
            return False
        self.store._depth -= 1
        if exc_type is not None:
            self.db.execute("ROLLBACK TO tx")
        self.db.execute("RELEASE tx")
        self.store.commit_due()
        return False
