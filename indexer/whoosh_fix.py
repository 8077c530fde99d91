"""One fix to whoosh3 3.54.0, applied when ``indexer`` is imported.

Each file of a compound segment is opened as a ``BufferFile`` over a slice of the segment's
mmap, and whoosh3 copies that whole slice into a ``BytesIO`` for its sequential reads. Every
reader opened on a 200k-story index copied ~650 MB of postings and term tables (RSS 1.3 GB
and more): each search-index reopen after a commit, each incremental update. Here the
sequential reads go through a read-only file object over the same memoryview, so nothing is
copied and the kernel pages in what is read. Random reads (``get``) were already zero-copy.
``tests/indexer/test_whoosh_fix.py`` checks the file semantics and the memory.
"""

from __future__ import annotations

import io

from whoosh.filedb import compound, structfile

_Original = structfile.BufferFile


class ViewIO(io.RawIOBase):
    """A read-only, seekable binary file over a memoryview (no copy)."""

    def __init__(self, buf):
        super().__init__()
        self._view = memoryview(buf)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view),
                                                                   self._pos + size)
        data = bytes(self._view[self._pos:end])
        self._pos = max(self._pos, end)
        return data

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        else:
            pos = len(self._view) + offset
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self._view.release()
        super().close()


class ViewBufferFile(_Original):
    """whoosh's BufferFile, reading sequentially through a ViewIO instead of a BytesIO copy."""

    def __init__(self, buf, name=None, onclose=None):
        self._buf = buf
        self._name = name
        self.file = ViewIO(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position: int, length: int, name=None):
        return ViewBufferFile(self.get(position, length), name=name or self._name)


def apply() -> None:
    """Make compound segments open their files as ViewBufferFile (idempotent)."""
    compound.BufferFile = ViewBufferFile  # type: ignore[misc]  # the patch itself
