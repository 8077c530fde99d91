"""A stored body as the paragraphs an article page shows.

Bodies come in the forms plain text takes: the cleaner's (paragraphs separated by a blank
line), an export's or a wire archive's. Wire stories are hard-wrapped at about 70 characters,
with a paragraph's first line indented and no blank line between paragraphs (Reuters-21578);
shown a line a paragraph, such a story reads as a column of fragments. So: blank lines
separate paragraphs when there are any; otherwise indented lines start them when some lines,
not all, are indented; otherwise each line is a paragraph. Inside a paragraph the lines are
joined with a space.
"""

from __future__ import annotations

import re

_BLANK = re.compile(r"\n[ \t]*\n")
_INDENTED = re.compile(r"[ \t]+\S")


def paragraphs(body: str | None) -> list[str]:
    """The paragraphs of ``body`` (see the module's docstring), without empty ones."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if _BLANK.search(text):
        return [p for p in (_joined(block.split("\n")) for block in _BLANK.split(text)) if p]
    lines = text.split("\n")
    starts = [bool(_INDENTED.match(line)) for line in lines]
    if any(starts[1:]) and not all(starts[1:]):
        out: list[str] = []
        current: list[str] = []
        for line, starts_one in zip(lines, starts):
            if starts_one and current:
                out.append(_joined(current))
                current = []
            current.append(line)
        out.append(_joined(current))
        return [p for p in out if p]
    return [p for p in (line.strip() for line in lines) if p]


def _joined(lines: list[str]) -> str:
    return " ".join(line.strip() for line in lines if line.strip())
