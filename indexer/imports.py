"""Import articles from files into the store of record.

- JSONL (``.jsonl``, ``.json``, ``.ndjson``, optionally ``.gz``): one object per line, in the
  format ``newsarchive export`` writes. ``url`` and ``body`` are required; ``canonical_url``,
  ``title``, ``published``, ``topics`` (list or comma-separated), ``author``, ``section``,
  ``language``, ``description`` and ``fetched_at`` are used when present.
- WARC (``.warc``, ``.warc.gz``) from any crawler (Heritrix, Browsertrix, ``wget
  --warc-file``): each HTML ``response`` record with status 200 is cleaned like a crawled page;
  those that are articles are stored, with the WARC file and offset of their capture.

Bad lines and records are counted and reported with their position; they never stop an import.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

from archive.layout import capture_ref
from archive.store import Article, Store
from crawler import urls
from crawler.charset import decode
from crawler.dates import iso, parse_date
from crawler.errors import InvalidURLError
from crawler.extract import extract

from .errors import ImportFormatError


@dataclass
class ImportReport:
    files: int = 0
    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    #: what was imported with less than the file said (a date that is no date)
    notes: list[str] = field(default_factory=list)

    def problem(self, msg: str) -> None:
        self.skipped += 1
        if len(self.problems) < 50:
            self.problems.append(msg)

    def note(self, msg: str) -> None:
        if len(self.notes) < 50:
            self.notes.append(msg)

    def count(self, verdict: str) -> None:
        setattr(self, verdict, getattr(self, verdict) + 1)

    def as_dict(self) -> dict:
        return dict(vars(self))


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".warc", ".warc.gz", ".arc.gz")):
        return "warc"
    if name.endswith((".jsonl", ".jsonl.gz", ".json", ".ndjson", ".ndjson.gz", ".json.gz")):
        return "jsonl"
    with open(path, "rb") as fh:
        head = fh.read(64)
    if head[:2] == b"\x1f\x8b":
        head = gzip.open(path).read(64)
    if head.startswith(b"WARC/"):
        return "warc"
    if head.lstrip().startswith(b"{"):
        return "jsonl"
    raise ImportFormatError(f"{path}: not a JSONL or WARC file (expected .jsonl or .warc.gz)")


def _topics(value) -> list[str]:
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    if isinstance(value, list):
        return [str(t).strip() for t in value if str(t).strip()]
    return []


_ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d(?:[T ].*)?$")


def published_of(value) -> tuple[str | None, str | None]:
    """(the publication date to store, or None; why a date given was not kept, or None).

    ISO 8601 dates are kept as written; other common forms (``26 Feb 1987``, RFC 2822's
    ``Thu, 26 Feb 1987 15:01:01 GMT``, ``02/26/1987``, a JSON number of seconds since 1970)
    are read as the crawler reads a page's dates and stored in ISO form: the index and date
    filters read ISO only, so a date kept as written would leave the story undated without a
    word. A bare year, or what is no date, leaves the story undated, and says so."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and not re.fullmatch(r"\d{8}", str(value)):  # 19870226 is read as text
        try:  # seconds since 1970 (milliseconds when that would be past the year 5000)
            seconds = value / 1000 if abs(value) > 1e11 else value
            moment = datetime.fromtimestamp(seconds, timezone.utc).replace(tzinfo=None)
            return iso(moment), None
        except (OverflowError, OSError, ValueError):
            return None, f"'published' is not a date ({value!r}); imported undated"
    text = (_text(value) or "").strip()
    if not text:
        return None, None
    if _ISO_DAY.match(text):
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
            return text, None
        except ValueError:
            pass
    shown = text if len(text) <= 40 else text[:40] + "..."
    if re.fullmatch(r"\d{1,4}", text):
        return None, f"'published' is a year, not a date ({shown!r}); imported undated"
    found = parse_date(text)
    if found is None:
        return None, f"'published' is not a date ({shown!r}); imported undated"
    return iso(found), None


def _fetched_at(value) -> float:
    """When a story was fetched, as ``newsarchive export`` writes it (ISO 8601, UTC when no
    offset is given) or in seconds since 1970; now when it says nothing usable (an archive
    moved by export and import keeps when each story was fetched)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and 0 < value < 253402300800:  # up to the year 9999
        return float(value)
    if isinstance(value, str) and len(value) <= 64:
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return time.time()
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        try:
            return when.timestamp()
        except (OverflowError, OSError, ValueError):
            return time.time()
    return time.time()


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


#: the longest JSONL line read (a story of 16 million characters is no story); a longer one
#: is skipped in pieces, never held whole
MAX_LINE = 16 * 1024 * 1024


def _lines(fh, limit: int):
    """The file's lines, each at most ``limit`` characters; None stands for a longer one."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith("\n"):
            yield line
            continue
        while line and not line.endswith("\n"):  # the rest of the long line, piece by piece
            line = fh.readline(limit)
        yield None


#: which canonical URLs an import keeps (a shard's), None for all
Accept = Callable[[str], bool] | None


def import_jsonl(store: Store, path: Path, report: ImportReport, accept: Accept = None) -> None:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        with store.batches(5000) as wrote:
            for lineno, line in enumerate(_lines(fh, MAX_LINE), 1):
                if line is None:
                    report.read += 1
                    report.problem(f"{path}:{lineno}: a line over {MAX_LINE:,} characters; "
                                   f"skipped")
                    continue
                line = line.strip()
                if not line:
                    continue
                report.read += 1
                try:
                    obj = json.loads(line)
                except (ValueError, RecursionError) as exc:  # RecursionError: [[[[... nested
                    why = getattr(exc, "msg", "nested too deep")
                    report.problem(f"{path}:{lineno}: not JSON ({why})")
                    continue
                if not isinstance(obj, dict):
                    report.problem(f"{path}:{lineno}: not a JSON object")
                    continue
                url, body = obj.get("url"), obj.get("body")
                if not url or not isinstance(body, str) or not body.strip():
                    report.problem(f"{path}:{lineno}: needs 'url' and a non-empty 'body'")
                    continue
                try:
                    fetched = urls.canonicalize(str(url))
                    canonical = urls.canonicalize(str(obj.get("canonical_url") or url))
                except InvalidURLError as exc:
                    report.problem(f"{path}:{lineno}: {exc}")
                    continue
                # read before the shard's choice: every shard reads every line and tells
                # the same notes, as it tells the same problems
                published, why = published_of(obj.get("published"))
                if why:
                    report.note(f"{path}:{lineno}: {why}")
                if accept is not None and not accept(canonical):
                    continue
                article = Article(
                    canonical_url=canonical, url=fetched, title=_text(obj.get("title")) or "",
                    body=body.strip(), published=published,
                    published_source="import" if published else None,
                    author=_text(obj.get("author")), topics=_topics(obj.get("topics")),
                    section=_text(obj.get("section")), language=_text(obj.get("language")),
                    description=_text(obj.get("description")),
                    source=urls.site_of(urls.hostname_of(canonical)),
                    fetched_at=_fetched_at(obj.get("fetched_at")), extractor="import")
                report.count(store.upsert_article(article))
                wrote()


def readable_warc(archive: str | Path, path: Path, report: ImportReport) -> Path | None:
    """The WARC file to import ``path`` from: itself, or when it is gzipped as one piece (its
    records cannot be read from their offsets) a copy gzipped record by record in the
    archive, made once and named by the file's content (the stories' captures are read back
    from it). None when the copy cannot be made (told in ``report``)."""
    from archive.layout import imported_copy
    from archive.warc import gzipped_whole, recompress

    if not gzipped_whole(path):
        return path
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    stem = re.sub(r"[^\w.-]+", "_", path.name)[:80].removesuffix(".gz").removesuffix(".warc")
    copy = imported_copy(archive, f"{stem}-{digest.hexdigest()[:16]}.warc.gz")
    if not copy.exists():
        try:
            count, whole = recompress(path, copy)
        except Exception as exc:  # noqa: BLE001 - warcio raises assorted errors on broken files
            report.problem(f"{path}: gzipped as one piece and unreadable "
                           f"({type(exc).__name__}: {exc})")
            return None
        if not whole:
            report.problem(f"{path}: gzipped as one piece and cut short (a download that "
                           f"stopped?): its first {count} records were read")
    report.note(f"{path}: gzipped as one piece, so its captures cannot be read back from it; "
                f"imported from a copy gzipped record by record: {copy}")
    return copy


def import_warc(store: Store, path: Path, report: ImportReport, accept: Accept = None) -> None:
    for _, article in warc_articles(path, report, accept=accept):
        with store.transaction():
            report.count(store.upsert_article(recorded(store, article)))


def recorded(store: Store, article: Article) -> Article:
    """``article`` with its capture file as ``store`` records it (:func:`capture_ref`)."""
    if article.warc_file:
        article.warc_file = capture_ref(store.archive, article.warc_file)
    return article


@dataclass(frozen=True)
class WarcMark:
    """Where in a WARC file its pages from one on are read: the byte offset of the page's
    record, its ordinal among the file's pages (HTML ``response`` records with status 200)
    and its record id (checked there: a file compressed as one whole is read from its
    start instead)."""

    offset: int = 0
    ordinal: int = 0
    record_id: str | None = None


def warc_articles(path: Path, report: ImportReport, accept: Accept = None,
                  take: Callable[[int], bool] | None = None, mark: WarcMark = WarcMark(),
                  stop: int | None = None, next_mark: list | None = None):
    """(ordinal, Article) of each article page of a WARC file, in file order: each HTML
    ``response`` record with status 200 is cleaned like a crawled page. ``take(ordinal)``
    chooses the pages cleaned (one worker's share; the ordinal counts pages from 0);
    ``accept(canonical URL)`` the articles kept. Pages from ``mark`` on are read, up to the
    ``stop``-th, whose mark is appended to ``next_mark``. What is read and wrong goes to
    ``report``."""
    from warcio.exceptions import ArchiveLoadFailed

    from archive.warc import MAX_PAYLOAD_BYTES

    try:
        for ordinal, record, iterator in _warc_pages(path, mark):
            if stop is not None and ordinal >= stop:
                if next_mark is not None:
                    next_mark.append(WarcMark(iterator.get_record_offset(), ordinal,
                                              record.rec_headers.get_header("WARC-Record-ID")))
                return
            if ordinal < mark.ordinal or (take is not None and not take(ordinal)):
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            report.read += 1
            try:
                # read the payload first: asking for the offset reads the record to its end
                body = record.content_stream().read(MAX_PAYLOAD_BYTES + 1)
            except (OSError, ValueError, EOFError, zlib.error) as exc:
                report.problem(f"{path}: unreadable record for {url} ({exc})")
                continue
            if len(body) > MAX_PAYLOAD_BYTES:
                report.problem(f"{path}: {url}: only the first {MAX_PAYLOAD_BYTES:,} bytes "
                               f"of its page were read")
                body = body[:MAX_PAYLOAD_BYTES]
            article = _warc_article(path, iterator.get_record_offset(), url, body,
                                    record.http_headers.get_header("Content-Type") or "",
                                    record.rec_headers.get_header("WARC-Date"), report)
            if article is not None and (accept is None or accept(article.canonical_url)):
                yield ordinal, article
    except ArchiveLoadFailed as exc:
        report.problem(f"{path}: stopped reading: {exc}")
    except Exception as exc:  # noqa: BLE001 - warcio raises assorted errors on broken files
        report.problem(f"{path}: stopped reading at a broken record "
                       f"({type(exc).__name__}: {exc})")


def _warc_pages(path: Path, mark: WarcMark):
    """(ordinal, record, iterator) of a WARC file's pages, from ``mark`` when the file can
    be read from there (each record compressed on its own, as WARC files are), else from
    its start (ordinals count from the start either way)."""
    from warcio.archiveiterator import ArchiveIterator

    if mark.offset:
        found = False
        try:
            with open(path, "rb") as fh:
                fh.seek(mark.offset)
                iterator = ArchiveIterator(fh)
                ordinal = mark.ordinal - 1
                for record in iterator:
                    if not _is_page(_checked(record, iterator)):
                        continue
                    ordinal += 1
                    if not found and \
                            record.rec_headers.get_header("WARC-Record-ID") != mark.record_id:
                        break  # not the page the mark names
                    found = True
                    yield ordinal, record, iterator
        except Exception:  # noqa: BLE001 - no record there: read the file from its start
            if found:
                raise
        if found:
            return
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        ordinal = -1
        for record in iterator:
            if _is_page(_checked(record, iterator)):
                ordinal += 1
                yield ordinal, record, iterator


def _checked(record, iterator):
    """The record, if it is one: warcio gives bytes that only begin like a WARC record (a
    file that is garbage past its first line) as a record without a type."""
    if record.rec_type is None:
        raise ValueError(f"no WARC record at offset {iterator.get_record_offset()}")
    return record


def _is_page(record) -> bool:
    """An HTML (or untyped) ``response`` record with status 200."""
    if record.rec_type != "response" or not record.http_headers:
        return False
    ctype = record.http_headers.get_header("Content-Type") or ""
    return record.http_headers.get_statuscode() == "200" and \
        ("html" in ctype.lower() or not ctype)


def _warc_article(path: Path, offset: int, url: str, body: bytes, ctype: str,
                  date: str | None, report: ImportReport) -> Article | None:
    """The story of one captured page, or None (a problem reported) when it is none."""
    try:
        fetched_url = urls.canonicalize(url)
    except InvalidURLError as exc:
        report.problem(f"{path}@{offset}: {exc}")
        return None
    when = _warc_date(date)
    text, _ = decode(body, ctype)
    ex = extract(text, fetched_url, fetched_at=when)
    if not ex.is_article:
        report.problem(f"{path}@{offset}: {url} is not an article page")
        return None
    canonical = fetched_url
    if ex.canonical_url:
        try:
            canonical = urls.canonicalize(ex.canonical_url)
        except InvalidURLError:
            pass
    return ex.to_article(
        canonical, fetched_url,
        fetched_at=(when.replace(tzinfo=timezone.utc).timestamp() if when else time.time()),
        warc_file=str(path.resolve()), warc_offset=offset)


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def is_warc(path: str | Path) -> bool:
    """Whether an import reads ``path`` as WARC (False too for what it cannot read, or that
    is not there)."""
    try:
        return Path(path).is_file() and _kind(Path(path)) == "warc"
    except (ImportFormatError, OSError):
        return False


def import_files(archive: str | Path, paths: Sequence[str | Path],
                 on_file: Callable[[Path], None] | None = None,
                 accept: Accept = None) -> ImportReport:
    """Import each file into the archive's store; returns what happened. ``accept(canonical
    URL)`` chooses the stories kept (one shard's; the others are passed over silently)."""
    report = ImportReport()
    with Store(archive) as store:
        for p in paths:
            path = Path(p)
            if not path.is_file():
                report.problem(f"{path}: no such file")
                continue
            if on_file:
                on_file(path)
            try:
                kind = _kind(path)
            except (ImportFormatError, OSError) as exc:
                report.problem(str(exc))
                continue
            report.files += 1
            if kind == "jsonl":
                import_jsonl(store, path, report, accept)
                continue
            readable = readable_warc(archive, path, report)
            if readable is not None:
                import_warc(store, readable, report, accept)
    return report


__all__ = ["import_files", "ImportReport", "is_warc", "readable_warc", "recorded",
           "warc_articles", "WarcMark"]
