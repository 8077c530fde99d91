"""Crawling the sample news site on 127.0.0.1: discovery, politeness, traps, retries, storage."""

from __future__ import annotations

import gzip
import html
import json
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.warc import read_response
from crawler import Store
from crawler.charset import decode
from newsarchive.sample_site import STORIES, SampleSite, SiteState, Story
from tests.conftest import run_crawl

#: the sample site's stories plus its windows-1252 article linked from the home page
N_ARTICLES = len(STORIES) + 1


def fetched_paths(site) -> list[str]:
    return [p for p, _, _ in site.state.requests]


def articles(archive: Path) -> dict[str, object]:
    with Store(archive) as store:
        return {a.canonical_url: a for a in store.articles()}


def outcome_of(archive: Path, url: str) -> str | None:
    with Store(archive) as store:
        row = store.frontier_row(url)
        return row["outcome"] if row else None


def test_complete_discovery_from_sitemaps_feeds_and_links(archive):
    hidden_sm = Story("sitemap-only-story", "world", "2024-03-01", "Only in the gzipped sitemap",
                      "A. Writer", ["maps"],
                      ["This story is listed in the gzipped sitemap only. " * 8])
    hidden_feed = Story("feed-only-story", "world", "2024-03-02", "Only in the feed",
                        "B. Writer", ["feeds"], ["This story is listed in the RSS feed only. " * 8])
    in_boilerplate = Story("most-read-only-story", "world", "2024-03-03", "Only in Most read",
                           "C. Writer", ["boxes"],
                           ["This story is linked from the Most read box only. " * 8])
    state = SiteState(sitemap_only=[hidden_sm], feed_only=[hidden_feed],
                      most_read_only=[in_boilerplate])
    with SampleSite(state) as site:
        stats = run_crawl(archive, [site.url + "/"])
        got = articles(archive)
    # the Most read box is boilerplate the cleaner drops, but its links are followed
    expected = {site.url + s.path for s in STORIES + [hidden_sm, hidden_feed, in_boilerplate]}
    assert expected <= set(got)
    assert stats.articles_new == len(got)
    # listing pages are followed but never become article records
    assert site.url + "/" not in got and site.url + "/world/" not in got
    # the sitemap's news:publication_date and the page agree: a confident date
    assert got[site.url + STORIES[0].path].published.startswith("2024-05-07")


def test_robots_txt_is_obeyed_and_fetched_first(site, archive):
    run_crawl(archive, [site.url + "/"], contact="mailto:archivist@example.org")
    paths = fetched_paths(site)
    assert paths[0] == "/robots.txt"
    assert "/private/secret.html" not in paths
    assert outcome_of(archive, site.url + "/private/secret.html") == "robots-disallowed"
    agents = {h.get("User-Agent") for _, _, h in site.state.requests}
    assert len(agents) == 1
    assert agents.pop().startswith("newsarchive/")
    assert all("mailto:archivist@example.org" in (h.get("User-Agent") or "")
               for _, _, h in site.state.requests)


@pytest.mark.parametrize("status", [500, 503])
def test_unreachable_robots_txt_means_nothing_fetched(archive, status):
    with SampleSite(SiteState(robots_status=status)) as site:
        stats = run_crawl(archive, [site.url + "/"], max_tries=2)
    assert set(fetched_paths(site)) == {"/robots.txt"}
    assert stats.outcomes["robots-unavailable"] >= 1
    assert articles(archive) == {}


def test_missing_robots_txt_allows_everything(archive):
    with SampleSite(SiteState(robots_status=404)) as site:
        run_crawl(archive, [site.url + "/"])
    assert "/private/secret.html" in fetched_paths(site)


def test_crawl_delay_spaces_requests(archive):
    with SampleSite(SiteState(robots="User-agent: *\nCrawl-delay: 0.3\n")) as site:
        run_crawl(archive, [site.url + "/"], max_pages=4, discover=False)
    times = [t for _, t, _ in site.state.requests]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) >= 4
    assert min(gaps) >= 0.25


def test_calendar_trap_is_bounded(site, archive):
    stats = run_crawl(archive, [site.url + "/"], max_depth=1000, pattern_budget=10)
    calendar = [p for p in fetched_paths(site) if p.startswith("/calendar")]
    # three URL patterns on /calendar (day; day+view; day+view+sort), ten pages each at most
    assert 10 <= len(calendar) <= 30
    assert stats.held > 0
    assert len(articles(archive)) == N_ARTICLES


def test_a_pattern_budget_counts_distinct_urls_not_links(site, archive):
    # each calendar day links the next day and the day before, which the crawl already has:
    # found again, it does not use the budget up
    run_crawl(archive, [site.url + "/"], max_depth=1000, pattern_budget=10)
    days = {p for p in fetched_paths(site) if p.startswith("/calendar?day=") and "&" not in p}
    assert len(days) == 10


def test_max_pages_and_depth(site, archive):
    stats = run_crawl(archive, [site.url + "/"], max_pages=5)
    assert stats.pages == 5
    run_crawl(archive.parent / "shallow", [site.url + "/"], max_depth=0, discover=False)
    assert len(articles(archive.parent / "shallow")) == 0


def test_one_record_per_story(site, archive):
    run_crawl(archive, [site.url + "/"])
    got = articles(archive)
    first = site.url + STORIES[0].path
    paths = fetched_paths(site)
    assert "/print" + STORIES[0].path in paths  # the print copy was seen ...
    assert "/old/rates-story" in paths  # ... and the old link followed
    assert first in got and len(got) == N_ARTICLES  # ... but one record each
    assert not any("utm_" in u or "/print/" in u for u in got)
    with Store(archive) as store:
        row = store.db.execute("SELECT to_url, status FROM redirects WHERE from_url=?",
                               (site.url + "/old/rates-story",)).fetchone()
        assert tuple(row) == (first, 301)
        # the tracking-parameter link canonicalised to the story's own URL: fetched once
        fetches = store.db.execute("SELECT COUNT(*) FROM fetches WHERE url=?",
                                   (first,)).fetchone()[0]
    assert fetches == 1
    assert paths.count(STORIES[0].path) == 1


def test_retry_after_is_honoured_then_page_stored(site, archive):
    site.state.retry_after = "1"
    stats = run_crawl(archive, [site.url + "/flaky.html", site.url + "/ratelimited.html"],
                      discover=False, max_depth=0)
    flaky = [t for p, t, _ in site.state.requests if p == "/flaky.html"]
    assert len(flaky) == 3
    assert flaky[1] - flaky[0] >= 0.9 and flaky[2] - flaky[1] >= 0.9
    assert stats.retries >= 3
    assert outcome_of(archive, site.url + "/flaky.html") == "article"
    assert outcome_of(archive, site.url + "/ratelimited.html") == "article"


def test_server_errors_give_up_after_bounded_tries(site, archive):
    stats = run_crawl(archive, [site.url + "/always500.html", site.url + "/gone.html"],
                      discover=False, max_tries=3)
    assert fetched_paths(site).count("/always500.html") == 3
    assert outcome_of(archive, site.url + "/always500.html") == "gave-up"
    assert outcome_of(archive, site.url + "/gone.html") == "http-404"
    with Store(archive) as store:
        err = store.db.execute("SELECT error FROM fetches WHERE url=?",
                               (site.url + "/always500.html",)).fetchone()[0]
    assert "HTTP 500" in err and "3 tries" in err
    assert stats.errors == 2


def test_timeouts_and_truncated_bodies_are_retried(site, archive):
    site.state.slow_seconds = 2.0
    run_crawl(archive, [site.url + "/slow.html", site.url + "/truncated.html"], discover=False,
              timeout=0.5, max_tries=2, max_depth=0)
    assert outcome_of(archive, site.url + "/slow.html") == "gave-up"
    assert fetched_paths(site).count("/truncated.html") == 2
    assert outcome_of(archive, site.url + "/truncated.html") == "article"
    with Store(archive) as store:
        err = store.db.execute("SELECT error FROM fetches WHERE url=?",
                               (site.url + "/slow.html",)).fetchone()[0]
    assert "timeout" in err


def test_size_cap_pdf_malformed_and_windows_1252(site, archive):
    site.state.huge_bytes = 3 * 1024 * 1024
    seeds = [site.url + p for p in ("/huge.html", "/report.pdf", "/malformed.html",
                                    "/minister-confident.html")]
    run_crawl(archive, seeds, discover=False, max_bytes=1024 * 1024, max_depth=0)
    with Store(archive) as store:
        huge = store.db.execute("SELECT truncated, bytes, warc_file, warc_offset FROM fetches"
                                " WHERE url=?", (seeds[0],)).fetchone()
        assert huge["truncated"] == 1 and huge["bytes"] == 1024 * 1024
        with open(store.warc_dir / huge["warc_file"], "rb") as fh:
            fh.seek(huge["warc_offset"])
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_headers.get_header("WARC-Truncated") == "length"
    assert outcome_of(archive, seeds[1]) == "not-html"
    assert outcome_of(archive, seeds[2]) in ("listing", "article")
    minister = articles(archive)[seeds[3]]
    assert "\u201cconfident\u201d" in minister.body and "\u2014" in minister.body
    assert minister.title == "Minister \u201cconfident\u201d about talks"


def test_bad_seeds_and_unreachable_hosts_never_stop_the_crawl(site, archive):
    stats = run_crawl(archive, ["not a url", "ftp://x.example/", "http://127.0.0.1:9/",
                                site.url + STORIES[0].path], discover=False, max_tries=1,
                      timeout=1.0, max_depth=0)
    assert stats.outcomes["invalid-seed"] == 2
    assert stats.outcomes["robots-unavailable"] == 1
    assert site.url + STORIES[0].path in articles(archive)


@pytest.mark.parametrize("workers", [0, 2], ids=["records-in-crawler", "records-in-cleaners"])
def test_warc_files_are_readable_and_match_the_store(site, archive, workers):
    run_crawl(archive, [site.url + "/"], workers=workers)
    warcs = sorted((archive / "warc").glob("*.warc.gz"))
    assert warcs
    counts = {"warcinfo": 0, "request": 0, "response": 0, "metadata": 0}
    for path in warcs:
        with open(path, "rb") as fh:
            assert fh.read(2) == b"\x1f\x8b"
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                assert record.rec_headers.protocol == "WARC/1.1"
                counts[record.rec_type] += 1
    assert counts["response"] == counts["request"] > 0 and counts["metadata"] > 0
    with Store(archive) as store:
        n_fetches = store.db.execute(
            "SELECT COUNT(*) FROM fetches WHERE status IS NOT NULL").fetchone()[0]
        assert counts["response"] >= n_fetches  # + robots.txt captures
        for a in store.articles():
            url, headers, body = read_response(store.warc_dir / a.warc_file, a.warc_offset)
            assert url == a.url
            assert a.title in html.unescape(decode(body, headers.get("Content-Type"))[0])


def test_recrawl_sends_conditional_requests_and_keeps_old_versions(site, archive):
    run_crawl(archive, [site.url + "/"])
    before = articles(archive)
    site.state.requests.clear()
    changed = STORIES[1]
    site.state.edits[changed.path] = "Update: the river has started to fall again."
    stats = run_crawl(archive, [site.url + "/"])
    conditional = [p for p, _, h in site.state.requests if h.get("If-None-Match")]
    assert STORIES[0].path in conditional and changed.path in conditional
    assert stats.outcomes["not-modified"] >= len(STORIES) - 1
    assert stats.articles_changed == 1 and stats.articles_new == 0
    after = articles(archive)
    assert set(after) == set(before)
    story = after[site.url + changed.path]
    assert story.version == 2 and "started to fall" in story.body
    with Store(archive) as store:
        old = store.db.execute("SELECT body, version FROM article_versions WHERE canonical_url=?",
                               (story.canonical_url,)).fetchall()
    assert len(old) == 1 and old[0]["version"] == 1 and "started to fall" not in old[0]["body"]


def test_crawl_runs_with_cleaning_in_worker_processes(site, archive):
    stats = run_crawl(archive, [site.url + "/"], workers=2)
    assert stats.articles_new == N_ARTICLES


def test_export_fields(site, archive, tmp_path):
    from tests.conftest import cli

    run_crawl(archive, [site.url + "/"])
    out = cli("export", "--archive", str(archive))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == N_ARTICLES
    keys = {"url", "canonical_url", "title", "body", "published", "author", "topics", "section",
            "language", "fetched_at", "warc_file", "warc_offset"}
    for row in rows:
        assert keys <= set(row)
        assert isinstance(row["topics"], list) and row["body"] and "\n\n" in row["body"]
        assert row["language"] == "en" or "minister" in row["url"]
    # an archive moved by export and import keeps every field but its captures' places
    dump = tmp_path / "export.jsonl"
    dump.write_text(out.stdout)
    moved = tmp_path / "moved"
    assert cli("import", str(dump), "--archive", str(moved)).returncode == 0
    again = [json.loads(line) for line in
             cli("export", "--archive", str(moved)).stdout.splitlines()]
    local = ("warc_file", "warc_offset")
    assert sorted(({k: v for k, v in r.items() if k not in local} for r in again),
                  key=lambda r: r["url"]) == \
        sorted(({k: v for k, v in r.items() if k not in local} for r in rows),
               key=lambda r: r["url"])


def test_gzipped_sitemap_parser_handles_news_and_index():
    from crawler.discover import parse_sitemap

    xml = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
           b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>http://h/a</loc>'
           b'<news:news><news:publication_date>2024-01-02</news:publication_date></news:news></url>'
           b'<url><loc>http://h/b</loc><lastmod>2023-05-06</lastmod></url></urlset>')
    found = parse_sitemap(gzip.compress(xml))
    assert found.pages == [("http://h/a", "2024-01-02"), ("http://h/b", "2023-05-06")]
    index = parse_sitemap(b'<sitemapindex><sitemap><loc>http://h/s1.xml</loc></sitemap></sitemapindex>')
    assert index.sitemaps == ["http://h/s1.xml"] and not index.pages
    assert parse_sitemap(b"not xml at all <<<").pages == []


def test_page_links_feeds_and_next_pages_are_read_from_the_cleaners_tree():
    from crawler.discover import links_in
    from crawler.extract import extract
    from crawler.htmltree import parse_html

    html = ('<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
            '<link rel="next" href="?page=2"><link rel="stylesheet" href="/s.css"></head><body>'
            '<nav><a href=" /world/ ">World</a></nav><article><p>Text. ' + 'Words here. ' * 60 +
            '<a href="/story">story</a> <a href="mailto:x@y.z">mail</a> <a href="#top">top</a>'
            '<a rel="nofollow ugc" href="/spam">spam</a> <a>no href</a></p></article>'
            '<map><area href="/area"></map><section class="comments"><a href="/user/1">u</a>'
            '</section></body></html>')
    tree = parse_html(html)
    found = links_in(tree)
    assert found.feeds == ["/feed.xml"]
    assert [u for u, _ in found.pages] == ["?page=2", "/world/", "/story", "/area", "/user/1"]
    # the same tree then goes to the cleaner, which does not parse the page again
    assert "Words here." in extract(html, "http://h/a", tree=tree).body
    assert links_in(None).pages == []


def test_the_crawl_runs_on_uvloop_where_installed_and_on_asyncio_without(monkeypatch):
    import asyncio
    import sys

    from crawler.crawl import _run_loop

    pytest.importorskip("uvloop", reason="uvloop is not installed on Windows (setup.cfg)")

    async def loop_module():
        return type(asyncio.get_running_loop()).__module__

    assert _run_loop(loop_module()).startswith("uvloop")
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError
    assert _run_loop(loop_module()).startswith("asyncio")
