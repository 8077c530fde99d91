"""The matches-over-time chart: month facet counts to bars (drawn as inline SVG, no script)."""

from __future__ import annotations

MAX_BARS = 48


def timeline(months: dict[str, int]) -> list[dict] | None:
    """Bars in date order: ``label``, ``count``, ``height`` (0-1), ``from``/``to`` filter
    values. Months become years when there are more than ``MAX_BARS`` of them."""
    if not months:
        return None
    keys = sorted(months)
    if len(keys) > MAX_BARS:
        years: dict[str, int] = {}
        for k in keys:
            years[k[:4]] = years.get(k[:4], 0) + months[k]
        buckets = [(y, y, y, n) for y, n in sorted(years.items())]
    else:
        buckets = [(k, k, k, months[k]) for k in keys]
    top = max(n for *_, n in buckets) or 1
    return [{"label": label, "from": lo, "to": hi, "count": n, "height": n / top}
            for label, lo, hi, n in buckets]
