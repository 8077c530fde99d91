"""Date options: ``2024``, ``2024-05``, ``2024-05-07`` (and ``2024/05/07``) to ranges."""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta

from .errors import BadDateError

#: the last year a date filter may name (the year after it must still be a date)
MAX_YEAR = 9998
_DATE = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?\s*$")


def date_range(text: str) -> tuple[datetime, datetime]:
    """The first and last instant a date expression covers. Raises BadDateError."""
    m = _DATE.match(text or "")
    if not m:
        raise BadDateError(f"not a date: {text!r} (use 2024, 2024-05 or 2024-05-07)")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if not 1 <= year <= MAX_YEAR:
        raise BadDateError(f"not a date the archive can hold: {text!r} (years 1-{MAX_YEAR})")
    try:
        if month is None:
            start = datetime(year, 1, 1)
            end = datetime(year + 1, 1, 1)
        elif day is None:
            month = int(month)
            start = datetime(year, month, 1)
            end = start + timedelta(days=calendar.monthrange(year, month)[1])
        else:
            start = datetime(year, int(month), int(day))
            end = start + timedelta(days=1)
    except ValueError as exc:
        raise BadDateError(f"not a real date: {text!r} ({exc})") from exc
    return start, end - timedelta(microseconds=1)


def span(date_from: str | None, date_to: str | None) -> tuple[datetime | None, datetime | None]:
    """A from/to pair of dates to an inclusive (start, end) pair; checks the order."""
    start = date_range(date_from)[0] if date_from else None
    end = date_range(date_to)[1] if date_to else None
    if start and end and start > end:
        raise BadDateError(f"the start date {date_from} is after the end date {date_to}")
    return start, end
