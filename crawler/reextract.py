"""Re-clean stored captures from the WARC files after the cleaner improves (no fetching).

Each host's pages are cleaned with the template its crawls learned (:mod:`crawler.template`,
kept in the store); a host without one (an archive from before templates, or imported WARC
files) has its template learned first, from its own captures, then applied.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from archive.layout import capture_path
from archive.store import Article, Store
from archive.warc import read_response

from . import urls
from .charset import decode
from .extract import Extraction, extract
from .template import HostLearner, SiteTemplate, TemplateView


def _capture(store: Store, article: Article) -> str | None:
    if article.warc_file is None or article.warc_offset is None:
        return None
    try:
        _, headers, body = read_response(capture_path(store.archive, article.warc_file),
                                         article.warc_offset)
    except (OSError, ValueError):
        return None
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    return decode(body, ctype)[0]


def _clean(store: Store, article: Article, text: str, view: TemplateView | None) -> Extraction:
    when = datetime.fromtimestamp(article.fetched_at or 0, timezone.utc).replace(tzinfo=None)
    row = store.frontier_row(article.url)
    hint = row["hint_date"] if row is not None else None
    return extract(text, article.url, fetched_at=when, hint_date=hint, template=view)


def reextract_archive(archive: str | Path,
                      progress: Callable[[int, int], None] | None = None) -> dict:
    """Re-clean every article's capture; changed stories get a new version. Returns counts.
    ``progress`` is called with (captures done, captures in all) as it goes."""
    report = {"checked": 0, "changed": 0, "unchanged": 0, "missing": 0}
    with Store(archive, create=False) as store:
        by_host: dict[str, list[Article]] = defaultdict(list)
        for a in store.articles():
            if a.warc_file and a.warc_offset is not None:
                by_host[urls.host_of(a.url)].append(a)
        total = sum(len(v) for v in by_host.values())
        done = 0
        for host, articles in by_host.items():
            template = SiteTemplate.from_json(store.template(host))
            if not template.pages:
                _learn(store, host, template, articles)
            view = template.view()
            for article in articles:
                _reextract_one(store, article, view, report)
                done += 1
                if progress:
                    progress(done, total)
    return report


def _learn(store: Store, host: str, template: SiteTemplate, articles: list[Article]) -> None:
    """A host's template from its own captures, kept in the store."""
    learner = HostLearner(template)
    for article in articles:
        text = _capture(store, article)
        if text is not None:
            ex = _clean(store, article, text, None)
            if ex.features is not None:
                learner.learn(article.url, ex.features, TemplateView())
    with store.transaction():
        store.save_template(host, template.to_json())


def _reextract_one(store: Store, article: Article, view: TemplateView, report: dict) -> None:
    text = _capture(store, article)
    if text is None:
        report["missing"] += 1
        return
    report["checked"] += 1
    ex = _clean(store, article, text, view)
    if not ex.is_article:
        report["unchanged"] += 1
        return
    fresh = ex.to_article(article.canonical_url, article.url, fetched_at=article.fetched_at,
                          warc_file=article.warc_file, warc_offset=article.warc_offset)
    with store.transaction():
        verdict = store.upsert_article(fresh)
    report["changed" if verdict == "changed" else "unchanged"] += 1
