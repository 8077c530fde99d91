"""Turn response bytes into text with the right character set.

Order of evidence: byte-order mark, the HTTP ``Content-Type`` charset, a ``<meta charset>`` or
``<meta http-equiv="Content-Type">`` in the first 4 KB, then detection (charset-normalizer).
``iso-8859-1`` and ``us-ascii`` labels are read as windows-1252, as browsers do (WHATWG), so
curly quotes in such pages come out right.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_ALIASES = {"iso-8859-1": "windows-1252", "latin-1": "windows-1252", "latin1": "windows-1252",
            "us-ascii": "windows-1252", "ascii": "windows-1252", "iso8859-1": "windows-1252"}


def _norm(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*([^;\s]+)", content_type, re.I)
    return _norm(m.group(1)) if m else None


def sniff_meta(body: bytes) -> str | None:
    m = _META_RE.search(body[:4096])
    return _norm(m.group(1).decode("ascii", "ignore")) if m else None


def decode(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode ``body``; returns ``(text, encoding used)``. Never raises on bad bytes."""
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(enc, errors="replace"), enc
    for declared in (charset_from_content_type(content_type), sniff_meta(body)):
        if declared:
            try:
                return body.decode(declared), declared
            except UnicodeDecodeError:
                # a declared charset that the bytes contradict: fall through to detection
                continue
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:200_000]).best()
    detected = _norm(best.encoding) if best else None
    enc = detected or "windows-1252"
    return body.decode(enc, errors="replace"), enc
