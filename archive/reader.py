"""The store of record, read-only, for serving: search results' bodies and ids, articles.

A search process holds one of these beside its index. It never writes and never holds a
lock a crawl or an import would wait for (SQLite's WAL lets readers and one writer work side
by side). A store that is missing or unreadable reads as empty: search still answers from
the index.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from .layout import store_path
from .warc import read_response


class ArchiveReader:
    """Read-only access to one archive's store of record and captures."""

    def __init__(self, archive: str | Path):
        self.archive = Path(archive)
        self._db: sqlite3.Connection | None = None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None:
            path = store_path(self.archive)
            if not path.exists():
                return None
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                       check_same_thread=False)
        return self._db

    def by_url(self, column: str, urls: list[str]) -> dict[str, Any]:
        """canonical URL -> ``column`` (trusted SQL) for those of ``urls`` in the store."""
        db = self._connection()
        if db is None or not urls:
            return {}
        marks = ",".join("?" for _ in urls)
        try:
            return dict(db.execute(f"SELECT canonical_url, {column} FROM articles "
                                   f"WHERE canonical_url IN ({marks})", urls).fetchall())
        except sqlite3.Error:
            return {}

    def bodies(self, urls: list[str]) -> dict[str, str]:
        """Full bodies (the index keeps only a lead)."""
        return self.by_url("body", urls)

    def ids(self, urls: list[str]) -> dict[str, int]:
        """Store numbers of stories by canonical URL (for links to article pages)."""
        return self.by_url("id", urls)

    def row(self, url: str, columns: str = "*") -> tuple | None:
        """One story's row by canonical URL (``columns`` is trusted SQL)."""
        db = self._connection()
        if db is None:
            return None
        try:
            return db.execute(f"SELECT {columns} FROM articles WHERE canonical_url = ?",
                              (url,)).fetchone()
        except sqlite3.Error:
            return None

    def canonical_url(self, number: int) -> str | None:
        """The canonical URL of the story with this store number."""
        db = self._connection()
        if db is None or not 0 < number < 2 ** 63:
            return None
        try:
            row = db.execute("SELECT canonical_url FROM articles WHERE id = ?",
                             (number,)).fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    def article(self, key: str | int) -> dict | None:
        """One story by its store number or canonical URL: every field, its number as ``id``,
        its topics as a list. None when there is no such story."""
        db = self._connection()
        if db is None:
            return None
        column = "id" if isinstance(key, int) or str(key).isdigit() else "canonical_url"
        if column == "id" and not 0 < int(key) < 2 ** 63:
            return None  # no row has such a number (and SQLite cannot even bind it)
        try:
            cur = db.execute(f"SELECT * FROM articles WHERE {column} = ?", (key,))
            row = cur.fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        out = dict(zip([c[0] for c in cur.description], row))
        try:
            out["topics"] = json.loads(out.get("topics") or "[]")
        except ValueError:
            out["topics"] = []
        return out

    def capture(self, warc_file: str, offset: int) -> tuple[str, dict[str, str], bytes]:
        """A stored capture: (URL, HTTP headers, payload). Raises OSError or ValueError when
        it cannot be read."""
        from .layout import capture_path

        return read_response(capture_path(self.archive, warc_file), offset)
