"""WARC 1.1 capture: every request and response, gzip per record, size-rotated files.

Each fetch is written as a ``request``, a ``response`` (or ``resource`` for failures we still
want to remember nothing of — those only get a ``metadata`` record) and a ``metadata``
record, all built in memory and appended with a single ``write()`` so a killed process never
leaves half a record behind. A resumed crawl always opens a new file.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive import __version__

_DROP_HEADERS = {"transfer-encoding"}


@dataclass
class Capture:
    """Where a response was written: file name (relative to the WARC dir), offset, length."""

    warc_file: str
    offset: int
    length: int


def _warc_date(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Records:
    """One exchange's WARC records, gzipped, ready to append; the response record first."""

    data: bytes
    response_length: int


def build_exchange(*, url: str, method: str, request_headers: list[tuple[str, str]],
                   status: int, reason: str, http_version: str,
                   response_headers: list[tuple[str, str]], body: bytes,
                   ip: str | None = None, truncated: str | None = None,
                   fetched_at: float | None = None, metadata: dict | None = None) -> Records:
    """Request + response + metadata records of one fetch, built in memory (compressing is
    the costly part: the crawler does it in its cleaning processes)."""
    fetched_at = fetched_at or time.time()
    date = _warc_date(fetched_at)
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="1.1")
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    req_headers = StatusAndHeaders(f"{method} {target} HTTP/1.1", request_headers,
                                   is_http_request=True)
    resp_headers = StatusAndHeaders(
        f"{status} {reason or ''}".strip(),
        [(k, v) for k, v in response_headers if k.lower() not in _DROP_HEADERS],
        protocol=http_version or "HTTP/1.1")
    warc_headers = {"WARC-Date": date}
    if ip:
        warc_headers["WARC-IP-Address"] = ip
    if truncated:
        warc_headers["WARC-Truncated"] = truncated
    # explicit lengths: without them warcio spools each payload to a temporary file
    response = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                         length=len(body), http_headers=resp_headers,
                                         warc_headers_dict=warc_headers)
    request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""),
                                        length=0, http_headers=req_headers,
                                        warc_headers_dict={"WARC-Date": date})
    rec_id = response.rec_headers.get_header("WARC-Record-ID")
    request.rec_headers.add_header("WARC-Concurrent-To", rec_id)
    writer.write_record(response)
    resp_len = buf.tell()
    writer.write_record(request)
    if metadata:
        blob = json.dumps(metadata).encode()
        meta = writer.create_warc_record(
            url, "metadata", payload=io.BytesIO(blob), length=len(blob),
            warc_content_type="application/json",
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": rec_id})
        writer.write_record(meta)
    return Records(buf.getvalue(), resp_len)


class WarcWriter:
    """Appends captures to ``dir/newsarchive-<time>-<n>.warc.gz``, rotating past ``max_bytes``."""

    def __init__(self, directory: str | os.PathLike, max_bytes: int = 1 << 30,
                 prefix: str = "newsarchive"):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.prefix = prefix
        self._fd: int | None = None
        self._name = ""
        self._size = 0
        self._serial = 0
        self._lock = threading.Lock()

    def _open(self) -> None:
        self.close()
        self._serial += 1
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")
        self._name = f"{self.prefix}-{stamp}-{os.getpid()}-{self._serial:05d}.warc.gz"
        self._fd = os.open(self.dir / self._name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._size = 0
        buf = io.BytesIO()
        writer = WARCWriter(buf, gzip=True, warc_version="1.1")
        info = writer.create_warcinfo_record(self._name, {
            "software": f"newsarchive/{__version__}",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        })
        writer.write_record(info)
        self._append(buf.getvalue())

    def _append(self, data: bytes) -> int:
        offset = self._size
        assert self._fd is not None, "the WARC file is open while records are appended"
        os.write(self._fd, data)
        self._size += len(data)
        return offset

    def append(self, records: Records) -> Capture:
        """Append records built by :func:`build_exchange` (perhaps in another process) with a
        single ``write()``; returns the response's location."""
        with self._lock:
            full = self._size + len(records.data) > self.max_bytes and self._size > 0
            if self._fd is None or full:
                self._open()
            offset = self._append(records.data)
            return Capture(self._name, offset, records.response_length)

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None


#: the most of a capture's payload read back (decoded): what a crawl keeps at its default
#: ``--max-bytes``, with room; a forged WARC file cannot make a read take more
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024


def read_response(path: str | os.PathLike, offset: int,
                  limit: int = MAX_PAYLOAD_BYTES) -> tuple[str, dict[str, str], bytes]:
    """Read back the response record at ``offset``: (url, http headers, payload bytes), at
    most ``limit`` bytes of the payload once decoded."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        fh.seek(offset)
        for record in ArchiveIterator(fh):
            url = record.rec_headers.get_header("WARC-Target-URI")
            headers = dict(record.http_headers.headers) if record.http_headers else {}
            return url, headers, record.content_stream().read(limit)
    raise ValueError(f"no WARC record at {path}:{offset}")


def gzipped_whole(path: str | os.PathLike) -> bool:
    """Whether a WARC file is gzipped as one piece (``gzip file.warc``) instead of record by
    record: its records cannot be read from their offsets, and warcio refuses to read past
    the first. Reads at most its first two records."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        with open(path, "rb") as fh:
            for n, _ in enumerate(ArchiveIterator(fh)):
                if n >= 1:
                    return False
    except ArchiveLoadFailed as exc:
        return "non-chunked gzip" in str(exc)
    except Exception:  # noqa: BLE001 - broken otherwise: the import reports it
        return False
    return False


class _Inflating:
    """The decompressed bytes of a gzip file of one or more members, read on demand (at
    most ``size`` at a time, however much a member inflates to); ``cut`` tells, once read
    to its end, whether the file ended inside a member."""

    def __init__(self, fh):
        self.fh = fh
        self.member: Any = None  # the member being read (a zlib decompressor)
        self.pending = b""  # compressed bytes read from the file, not yet inflated
        self.cut = False

    def read(self, size: int = -1) -> bytes:
        size = size if size and size > 0 else 1 << 16
        while True:
            if not self.pending:
                self.pending = self.fh.read(1 << 16)
                if not self.pending:
                    self.cut = self.member is not None and not self.member.eof
                    return b""
            if self.member is None or self.member.eof:
                self.member = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = self.member.decompress(self.pending, size)
            self.pending = self.member.unused_data if self.member.eof \
                else self.member.unconsumed_tail
            if data:
                return data


def recompress(source: str | os.PathLike, target: str | os.PathLike) -> tuple[int, bool]:
    """Copy the WARC file ``source`` to ``target`` with each record gzipped on its own, as
    ``warcio recompress`` does (one pass, streaming); written under a temporary name and
    then renamed, so ``target`` is whole or absent. Returns (records copied, whether the
    file was whole): a file that ends mid-record (a download that stopped) gives the
    records before it."""
    from warcio.archiveiterator import ArchiveIterator

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    count = 0
    try:
        with open(source, "rb") as fh, open(partial, "wb") as out:
            stream = _Inflating(fh)
            writer = WARCWriter(out, gzip=True)
            good, whole = 0, True
            try:
                for record in ArchiveIterator(stream, arc2warc=True, verify_http=False):
                    writer.write_record(record)
                    if getattr(record.raw_stream, "limit", 0) > 0:
                        raise EOFError("a record cut short")  # fewer bytes than its length
                    count, good = count + 1, out.tell()
                while stream.read():  # warcio stops quietly at a record's head cut short
                    pass
                whole = not stream.cut
            except (EOFError, zlib.error):
                whole = False
            if not whole:
                out.seek(good)
                out.truncate()  # the record cut short is not kept
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return count, whole
