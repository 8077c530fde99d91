"""Publication dates with provenance: gather candidates, then decide or abstain.

Each candidate has a source (``byline``: the date the page shows under its headline;
``jsonld``, ``meta``, ``microdata``, ``time``, ``url``, ``hint`` (sitemap or feed entry),
``label``: a date the page's text labels as its publication's or opens a paragraph with,
``htmldate``) and a confidence. The strongest wins; when strong sources
contradict each other and nothing backs the winner, or only weak evidence exists, we return
no date: no date is better than a wrong one. Dates after the fetch (plus a day for time
zones) are never returned; an archive holds news of every era, so the only floor is the
earliest printed news (:data:`EARLIEST`). Old dates come from the page's own evidence (URL,
structured data, byline, labels, sitemap or feed hints); htmldate's guesses keep its own
floor, since a guess from the whole text of a modern page may be any year it mentions.

The day is the publisher's: a timestamp in UTC is moved to the site's time zone
(:func:`site_locale`), and a date in the URL settles a day either side; numeric dates are
read day-first outside the United States.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateparser

# confidence by source; a date needs at least MIN_CONFIDENCE to be kept. A lone <time> is
# weaker than htmldate's reading of the whole page (where they disagree by more than a day on
# trafilatura's evaluation set, htmldate is right 16 times in 22), so htmldate runs when a
# <time> is the strongest evidence, and wins over it. The date a page shows readers under its
# headline beats its structured data, which often carries a first draft's or a re-publication's
# timestamp. A date the text labels ("Veröffentlicht am 16.08.2019") is read only when no
# strong source has spoken, and beats htmldate there. (Figures: CHANGELOG.md.)
CONFIDENCE = {"byline": 0.97, "jsonld": 0.95, "meta": 0.9, "microdata": 0.88, "time": 0.7,
              "url": 0.85, "hint": 0.8, "label": 0.78, "htmldate": 0.75, "text": 0.6,
              "lastmod": 0.5}
_FOUND = ("htmldate", "text")  # sources that read the page as a whole
MIN_CONFIDENCE = 0.6
#: the earliest date a story can carry: the first printed newspapers (Strasbourg, 1605)
EARLIEST = datetime(1600, 1, 1)
#: a year as pages and URLs write it, from the first printed news to this century
_YEAR = r"(?:1[6-9]|20)\d{2}"

PUBLISHED_META = ("article:published_time", "og:article:published_time", "og:published_time",
                  "datepublished", "date", "dc.date.issued", "dc.date", "dcterms.created",
                  "dcterms.date", "dc.date.created", "pubdate", "publishdate", "publish-date",
                  "publication_date", "sailthru.date", "parsely-pub-date", "article.published",
                  "published-date", "release_date", "originalpublicationdate", "dat.publication",
                  "cxenseparse:recs:publishtime", "article_date_original", "displaydate",
                  "bt:pubdate", "pub_date", "date.available", "analyticsattributes.articledate")
UPDATED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
                "last-modified", "lastmod", "article.updated", "dc.date.modified")

#: a date in a URL: /2024/05/07/, /2024-05-07-, /20240507.html; the same separator between
#: year, month and day ("/1971/1009.html" is a year and an id, not the 9th of October)
_URL_DATE = re.compile(
    rf"/({_YEAR})([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?:/|[_-]|\.|$)")
_URL_DATE_SLASH = re.compile(rf"/({_YEAR})/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])/")


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


#: ISO 8601 as structured data writes it; the zone is left out like dateutil's is below.
_ISO_8601 = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?"
                       r"\s*(?:Z|[+-]\d\d(?::?\d\d)?)?$")


def parse_date(text: str | None, day_first: bool = False) -> datetime | None:
    """A datetime from a date string (ISO 8601 and common formats), naive local time.
    ``day_first`` reads ``03/04/2024`` as the 3rd of April (see :attr:`SiteLocale.day_first`)."""
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
    m = _ISO_8601.match(text)
    if m:  # most structured dates: read directly (dateutil takes 20 times longer)
        try:
            year, month, day = (int(g) for g in m.group(1, 2, 3))
            hour, minute, second = (int(g or 0) for g in m.group(4, 5, 6))
            dt = datetime(year, month, day, hour, minute, second,
                          int((m.group(7) or "0")[:6].ljust(6, "0")))
            return dt if dt.year >= 100 else None
        except ValueError:
            pass  # 2024-02-30 and the like: dateutil has its say
    if not re.search(r"\d{4}", text) and not re.search(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}", text):
        return None
    # 10.12.2022 is the 10th of December wherever dots separate dates
    dayfirst = bool(re.match(r"^\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}", text)) or (
        day_first and bool(re.match(r"^\d{1,2}[/-]\d{1,2}[/-]\d{2,4}", text)))
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


def _local_offset(raw: str) -> bool:
    """``raw`` ends in a UTC offset other than zero: a local time as the publisher wrote it."""
    m = re.search(r"[+-](\d\d):?(\d\d)\s*$", raw or "")
    return m is not None and m.group(1, 2) != ("00", "00")


def _is_utc(raw: str) -> bool:
    return bool(re.search(r"(?:Z|[+-]00:?00|UTC|GMT)\s*$", raw or ""))


# A publisher's calendar day is its own: a timestamp written in UTC is moved to the zone of
# the site's country (from the page's locale, its country domain, or a language spoken in one
# zone). Big countries get the zone most of their newsrooms keep.
_COUNTRY_ZONES = {
    "us": "America/New_York", "ca": "America/Toronto", "mx": "America/Mexico_City",
    "br": "America/Sao_Paulo", "ar": "America/Argentina/Buenos_Aires", "cl": "America/Santiago",
    "co": "America/Bogota", "pe": "America/Lima", "gb": "Europe/London",
    "ie": "Europe/Dublin", "pt": "Europe/Lisbon", "es": "Europe/Madrid", "fr": "Europe/Paris",
    "be": "Europe/Brussels", "nl": "Europe/Amsterdam", "lu": "Europe/Luxembourg",
    "de": "Europe/Berlin", "at": "Europe/Vienna", "ch": "Europe/Zurich", "it": "Europe/Rome",
    "dk": "Europe/Copenhagen", "se": "Europe/Stockholm", "no": "Europe/Oslo",
    "fi": "Europe/Helsinki", "ee": "Europe/Tallinn", "lv": "Europe/Riga", "lt": "Europe/Vilnius",
    "pl": "Europe/Warsaw", "cz": "Europe/Prague", "sk": "Europe/Bratislava",
    "hu": "Europe/Budapest", "si": "Europe/Ljubljana", "hr": "Europe/Zagreb",
    "rs": "Europe/Belgrade", "ro": "Europe/Bucharest", "bg": "Europe/Sofia", "gr": "Europe/Athens",
    "ua": "Europe/Kyiv", "ru": "Europe/Moscow", "tr": "Europe/Istanbul", "il": "Asia/Jerusalem",
    "eg": "Africa/Cairo", "za": "Africa/Johannesburg", "ng": "Africa/Lagos", "ke": "Africa/Nairobi",
    "ae": "Asia/Dubai", "ir": "Asia/Tehran", "az": "Asia/Baku", "pk": "Asia/Karachi",
    "in": "Asia/Kolkata", "bd": "Asia/Dhaka", "th": "Asia/Bangkok", "vn": "Asia/Ho_Chi_Minh",
    "id": "Asia/Jakarta", "my": "Asia/Kuala_Lumpur", "sg": "Asia/Singapore", "ph": "Asia/Manila",
    "cn": "Asia/Shanghai", "hk": "Asia/Hong_Kong", "tw": "Asia/Taipei", "kr": "Asia/Seoul",
    "jp": "Asia/Tokyo", "au": "Australia/Sydney", "nz": "Pacific/Auckland",
}
# languages spoken mostly in one zone (not en, es, pt, ar, zh: spread across the world)
_LANGUAGE_COUNTRY = {
    "de": "de", "fr": "fr", "it": "it", "nl": "nl", "da": "dk", "sv": "se", "nb": "no", "nn": "no",
    "no": "no", "fi": "fi", "et": "ee", "lv": "lv", "lt": "lt", "pl": "pl", "cs": "cz",
    "sk": "sk", "hu": "hu", "sl": "si", "hr": "hr", "sr": "rs", "ro": "ro", "bg": "bg",
    "el": "gr", "uk": "ua", "ru": "ru", "tr": "tr", "he": "il", "fa": "ir", "ja": "jp", "ko": "kr",
    "th": "th", "vi": "vn", "id": "id",
}


@dataclass
class SiteLocale:
    """Where a site publishes from, as far as its page says: a country and a language."""

    country: str | None
    language: str | None

    @property
    def zone(self) -> ZoneInfo | None:
        """The time zone the site most likely keeps, or None when nothing says."""
        if self.country not in _COUNTRY_ZONES:
            return None
        try:
            return ZoneInfo(_COUNTRY_ZONES[self.country])
        except ZoneInfoNotFoundError:
            return None

    @property
    def day_first(self) -> bool:
        """Whether ``03/04/2024`` is the 3rd of April: everywhere but the United States (and
        English pages that do not say where they are from)."""
        american = self.country == "us" or (self.country is None
                                            and self.language in (None, "en"))
        return not american


def site_locale(url: str, *tags: str | None) -> SiteLocale:
    """``tags`` are locales such as ``en-US``, ``fr_CA`` or ``de`` (the page's ``lang``,
    ``og:locale``): a region in a tag wins, then the country domain, then the language."""
    country = None
    languages = []
    for tag in tags:
        parts = re.split(r"[-_]", (tag or "").strip().lower())
        if parts[0]:
            languages.append(parts[0])
        if len(parts) > 1 and parts[1] in _COUNTRY_ZONES:
            country = parts[1]
            break
    language = languages[0] if languages else None
    if country is None:
        tld = (urlsplit(url).hostname or "").rsplit(".", 1)[-1]
        tld = {"uk": "gb"}.get(tld, tld)
        if tld in _COUNTRY_ZONES and tld != "co":  # .co is used as a generic domain
            country = tld
    if country is None:
        country = next((_LANGUAGE_COUNTRY[lang] for lang in languages if lang in _LANGUAGE_COUNTRY),
                       None)
    return SiteLocale(country, language)


def _local(c: DateCandidate, zone: ZoneInfo | None) -> DateCandidate:
    """``c`` on the publisher's clock: a UTC time of day moved to ``zone``. A bare midnight
    is a date written as a timestamp, not an instant: it stays."""
    v = c.value
    if zone is None or not _is_utc(c.raw) or (v.hour, v.minute, v.second) == (0, 0, 0):
        return c
    local = v.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None)
    return DateCandidate(local, c.source, c.raw, c.confidence)


#: month names (and their usual abbreviations) in the languages of most news sites, by prefix
_MONTHS = {
    "jan": 1, "ene": 1, "gen": 1, "janv": 1, "feb": 2, "fév": 2, "fev": 2, "févr": 2, "mar": 3,
    "mär": 3, "mrz": 3, "maa": 3, "apr": 4, "avr": 4, "abr": 4, "may": 5, "mai": 5, "mag": 5,
    "mei": 5, "jun": 6, "juin": 6, "giu": 6, "jul": 7, "juil": 7, "lug": 7, "aug": 8, "aoû": 8,
    "aou": 8, "ago": 8, "sep": 9, "set": 9, "oct": 10, "okt": 10, "ott": 10, "out": 10,
    "nov": 11, "dec": 12, "dez": 12, "déc": 12, "dic": 12,
}
_MONTH_WORD = r"[^\W\d_]{3,10}"
_VISIBLE_DATE = re.compile(
    r"(?<![\d.])(?:"
    rf"(?P<d1>[0-3]?\d)\.\s?(?P<m1>[01]?\d)\.\s?(?P<y1>{_YEAR})"  # 07.11.2023
    rf"|(?P<y2>{_YEAR})/(?P<m2>[01]?\d)/(?P<d2>[0-3]?\d)"  # 2023/11/7
    rf"|(?P<y6>{_YEAR})-(?P<m6>[01]\d)-(?P<d6>[0-3]\d)"  # 2023-11-07
    rf"|(?P<a5>[0-3]?\d)/(?P<b5>[0-3]?\d)/(?P<y5>{_YEAR})"  # 7/11/2023 or 11/7/2023
    rf"|(?P<d3>[0-3]?\d)(?:\.|er|º)?\s+(?:de\s+)?(?P<n3>{_MONTH_WORD})\.?,?\s+(?:del?\s+)?(?P<y3>{_YEAR})"
    rf"|(?P<n4>{_MONTH_WORD})\.?\s+(?P<d4>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y4>{_YEAR})"
    rf"|(?P<d7>[0-3]?\d)-(?P<n7>{_MONTH_WORD})-(?P<y7>{_YEAR})"  # 03-MAR-1987
    r")(?![\d])")


def _month(name: str) -> int | None:
    name = name.lower()
    for size in (4, 3):
        if name[:size] in _MONTHS:
            return _MONTHS[name[:size]]
    return None


def visible_dates(text: str, day_first: bool = True, iso: bool = False,
                  settled_by: Sequence[datetime] = ()) -> list[datetime]:
    """The dates written out for readers in ``text`` (``07.11.2023``, ``7 novembre 2023``,
    ``7 de mayo de 2022``, ``Nov. 7, 2023``, ``7/11/2023``), in order.
    ISO dates (``2023-11-07``) are left out unless ``iso``: in a page's text they are mostly
    timestamps its theme prints for machines, not the date shown to readers (measured on
    trafilatura's set); after a label ("Written: 2023-11-07") they are the date shown.
    ``day_first`` reads ``7/11/2023`` as the 7th of November (see :attr:`SiteLocale.day_first`),
    unless the other reading is within a day of one of ``settled_by`` (the page's structured
    dates) and this one is not: an Austrian site may print its dates the American way."""
    out = []
    for m in _VISIBLE_DATE.finditer(text):
        g = m.groupdict()
        if g["y1"]:
            y, mo, d = g["y1"], g["m1"], g["d1"]
        elif g["y2"]:
            y, mo, d = g["y2"], g["m2"], g["d2"]
        elif g["y6"]:
            if not iso:
                continue
            y, mo, d = g["y6"], g["m6"], g["d6"]
        elif g["y5"]:
            y, (d, mo) = g["y5"], (g["a5"], g["b5"]) if day_first else (g["b5"], g["a5"])
            if settled_by and int(d) <= 12 and d != mo:
                try:
                    this = datetime(int(y), int(mo), int(d))
                    other = datetime(int(y), int(d), int(mo))
                except ValueError:
                    continue
                near = lambda dt: any(abs((dt - s).days) <= 1 for s in settled_by)  # noqa: E731
                if near(other) and not near(this):
                    d, mo = mo, d
        else:
            name, d, y = ((g["n3"], g["d3"], g["y3"]) if g["y3"] else
                          (g["n4"], g["d4"], g["y4"]) if g["y4"] else (g["n7"], g["d7"], g["y7"]))
            mo = _month(name)
            if mo is None:
                continue
        try:
            out.append(datetime(int(y), int(mo), int(d)))
        except ValueError:
            continue
    return out


#: a date written out for readers, as :func:`visible_dates` reads it
_SHOWN_DATE = _VISIBLE_DATE.pattern
#: "Veröffentlicht am 16.08.2019", "Published: March 3, 2020", "Datum: 18.10.2021",
#: "Publié le mardi, 3 mars 2020"
_LABELLED = re.compile(
    r"(?<!\w)(?:ver[öo]ffentlicht|erschienen|erstellt|publiziert|wurde|written|published|posted|publié"
    r"|publicado|pubblicato|gepubliceerd|datum|date|fecha|data)(?:\s+(?:am|on|le|el|il|op))?\s*:?\s*"
    rf"(?:[^\W\d_]+,\s*(?:den\s+)?)?(?P<shown>{_SHOWN_DATE})", re.I)
#: a paragraph that opens with its date: "29.11.2022 – Mehrfach hatte …", "31. Oktober 2023.
#: Dragqueens sind …"
_DATELINE = re.compile(rf"^(?P<shown>{_SHOWN_DATE})(?:\.?\s+[–—-]\s+\w|\.\s+[A-ZÄÖÜ])", re.M)


def labelled_dates(lines: list[str], day_first: bool = True) -> list[datetime]:
    """The first date ``lines`` (a page's text, one text node a line) label as a
    publication's, and the first a paragraph opens with, in that order."""
    text = "\n".join(lines)
    out = []
    for rx in (_LABELLED, _DATELINE):
        m = rx.search(text)
        found = visible_dates(m.group("shown"), day_first, iso=True) if m else []
        out += found[:1]
    return out


def url_date(url: str) -> datetime | None:
    m = _URL_DATE.search(url)
    parts = m.group(1, 3, 4) if m else None
    if parts is None:
        m = _URL_DATE_SLASH.search(url)
        parts = m.group(1, 2, 3) if m else None
    if parts is None:
        return None
    try:
        year, month, day = (int(p) for p in parts)
        return datetime(year, month, day)
    except ValueError:
        return None



def decide(candidates: list[DateCandidate], fetched_at: datetime | None = None,
           zone: ZoneInfo | None = None) -> DateChoice:
    """Pick the date the evidence supports, or none when it is weak or contradictory.
    ``zone`` is the site's time zone (:attr:`SiteLocale.zone`), for timestamps in UTC."""
    limit = (fetched_at or datetime.now(timezone.utc).replace(tzinfo=None)) + timedelta(days=1)
    candidates = [_local(c, zone) for c in candidates]
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
    if best.source in _FOUND:
        # htmldate chose the day; a date in the page's markup within a day says it exactly
        markup = [c for c in valid if c.source not in _FOUND and abs((c.value - value).days) <= 1]
        if markup:
            value = markup[0].value
    # A timestamp in UTC (even moved to the zone we guessed for the site) can fall a day off
    # the publisher's own calendar day: a date in the URL says which. A time written with
    # its local offset is already on the publisher's clock.
    if best.source != "byline" and not _local_offset(best.raw):
        url = [c for c in valid
               if c.source == "url" and abs((c.value.date() - value.date()).days) == 1]
        if url:
            value = url[0].value
    return DateChoice(iso(value), best.source, round(confidence, 2), candidates)
