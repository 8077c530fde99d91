"""Publication dates with provenance: gather candidates, then decide or abstain.

Each candidate has a source (``jsonld``, ``meta``, ``time``, ``url``, ``hint`` (sitemap or
feed entry), ``htmldate``) and a confidence. The strongest wins; when strong sources
contradict each other and nothing backs the winner, or only weak evidence exists, we return
no date: no date is better than a wrong one. Dates after the fetch (plus a day for time
zones) or before 1990 are never returned.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from dateutil import parser as dateparser

# confidence by source; a date needs at least MIN_CONFIDENCE to be kept
CONFIDENCE = {"jsonld": 0.95, "meta": 0.9, "microdata": 0.88, "time": 0.8, "url": 0.85,
              "hint": 0.8, "htmldate": 0.65, "text": 0.6, "lastmod": 0.5}
MIN_CONFIDENCE = 0.6
EARLIEST = datetime(1990, 1, 1)

PUBLISHED_META = ("article:published_time", "og:article:published_time", "og:published_time",
                  "datepublished", "date", "dc.date.issued", "dc.date", "dcterms.created",
                  "dcterms.date", "dc.date.created", "pubdate", "publishdate", "publish-date",
                  "publication_date", "sailthru.date", "parsely-pub-date", "article.published",
                  "published-date", "release_date", "originalpublicationdate", "dat.publication",
                  "cxenseparse:recs:publishtime", "article_date_original", "displaydate",
                  "bt:pubdate", "pub_date", "date.available", "analyticsattributes.articledate")
UPDATED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
                "last-modified", "lastmod", "article.updated", "dc.date.modified")

_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?:/|[_-]|\.|$)")
_URL_DATE_SLASH = re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])/")


@dataclass
class DateCandidate:
    value: datetime  # naive, in the page's own local time
    source: str
    raw: str
    confidence: float

    @property
    def day(self) -> str:
        return self.value.strftime("%Y-%m-%d")


@dataclass
class DateChoice:
    iso: str | None
    source: str | None
    confidence: float
    candidates: list[DateCandidate]


def parse_date(text: str | None) -> datetime | None:
    """A datetime from a date string (ISO 8601 and common formats), naive local time."""
    if not text or not isinstance(text, str):
        return None
    text = text.strip()
    if not text or len(text) > 80:
        return None
    if text.isdigit() and len(text) in (10, 13):  # epoch seconds / ms
        try:
            ts = int(text) / (1000 if len(text) == 13 else 1)
            return datetime.fromtimestamp(ts, timezone.utc).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            return None
    if not re.search(r"\d{4}", text) and not re.search(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}", text):
        return None
    # 10.12.2022 is the 10th of December wherever dots separate dates
    dayfirst = bool(re.match(r"^\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}", text))
    try:
        with warnings.catch_warnings():
            # unknown zone names ("IST") only lose the offset; the day is what we keep
            warnings.simplefilter("ignore")
            dt = dateparser.parse(text, fuzzy=False, default=datetime(1, 1, 1), dayfirst=dayfirst)
    except (ValueError, OverflowError, TypeError):
        try:
            dt = dateparser.isoparse(text)
        except (ValueError, OverflowError, TypeError):
            return None
    if dt.year < 100:
        return None
    return dt.replace(tzinfo=None) if dt.tzinfo else dt


def iso(dt: datetime) -> str:
    if dt.hour == dt.minute == dt.second == 0:
        return dt.strftime("%Y-%m-%d")
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


def _is_utc(raw: str) -> bool:
    return bool(re.search(r"(?:Z|[+-]00:?00|UTC|GMT)\s*$", raw or ""))


def url_date(url: str) -> datetime | None:
    for rx in (_URL_DATE, _URL_DATE_SLASH):
        m = rx.search(url)
        if m:
            try:
                return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def decide(candidates: list[DateCandidate], fetched_at: datetime | None = None) -> DateChoice:
    """Pick the date the evidence supports, or none when it is weak or contradictory."""
    limit = (fetched_at or datetime.now(timezone.utc).replace(tzinfo=None)) + timedelta(days=1)
    valid = [c for c in candidates if EARLIEST <= c.value <= limit]
    if not valid:
        return DateChoice(None, None, 0.0, candidates)
    valid.sort(key=lambda c: -c.confidence)
    best = valid[0]
    # support: other sources agreeing within a day
    agree = {c.source for c in valid
             if c.source != best.source and abs((c.value - best.value).days) <= 1}
    disagree = [c for c in valid if c.source != best.source and c.confidence >= 0.8
                and abs((c.value.date() - best.value.date()).days) > 1]
    confidence = best.confidence
    if agree:
        confidence = min(0.99, confidence + 0.05 * len(agree))
    if disagree and not agree:
        # the structured data and another strong signal disagree: trust neither blindly
        confidence -= 0.15 if best.source in ("jsonld", "meta") else 0.3
    if confidence < MIN_CONFIDENCE:
        return DateChoice(None, None, confidence, candidates)
    value = best.value
    # A timestamp written in UTC can fall on the day before or after the publisher's own
    # calendar day; a date in the URL, or one written in local time, says which day it was.
    local = [c for c in valid if c is not best and abs((c.value.date() - value.date()).days) == 1
             and (c.source == "url" or (_is_utc(best.raw) and not _is_utc(c.raw)))]
    if local:
        local.sort(key=lambda c: c.source != "url")  # the URL's day first
        value = local[0].value
    return DateChoice(iso(value), best.source, round(confidence, 2), candidates)
