"""Crawl throughput: newsarchive vs Scrapy on a local news site of N articles.

    python bench/crawl.py [--articles 5000]

Serves the sample news site (``newsarchive.sample_site``) with N synthetic ~450-word articles
in its own process on 127.0.0.1, then crawls it from the home page at delay 0:

- newsarchive: ``newsarchive crawl URL --delay 0 --per-host 16 --no-index`` (fetch + robots +
  discovery + clean + WARC + SQLite store), cleaning in worker processes;
- Scrapy (pip install scrapy, for this benchmark only): a CrawlSpider that follows every
  on-site link and saves each response's raw HTML to disk, with robots.txt obeyed and
  CONCURRENT_REQUESTS_PER_DOMAIN = 16, no depth limit, told to keep out of the site's calendar
  trap (it has no trap defence of its own) and stopped after 1.2x the pages newsarchive fetched.

Each crawler runs in its own process, alternating, ``--repeat`` times (the machine is noisy);
prints the median run's pages/s, article pages/s and peak RSS, every run's rate, and one JSON
line.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SPIDER = textwrap.dedent('''
    import hashlib, os, sys
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor
    from scrapy.spiders import CrawlSpider, Rule

    OUT = sys.argv[2]
    COUNT = {"pages": 0, "articles": 0}

    class Site(CrawlSpider):
        name = "site"
        start_urls = [sys.argv[1]]
        allowed_domains = ["127.0.0.1"]
        # the site's calendar trap never ends: Scrapy has no trap defence, so it is told
        rules = [Rule(LinkExtractor(deny=[r"/calendar"]), callback="save", follow=True)]

        def parse_start_url(self, response):
            return self.save(response)

        def save(self, response):
            COUNT["pages"] += 1
            if b'"NewsArticle"' in response.body:
                COUNT["articles"] += 1
            name = hashlib.sha1(response.url.encode()).hexdigest()
            with open(os.path.join(OUT, name + ".html"), "wb") as fh:
                fh.write(response.body)
            return None

    p = CrawlerProcess({"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": 32,
                        "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "DOWNLOAD_DELAY": 0,
                        "TELNETCONSOLE_ENABLED": False, "DEPTH_LIMIT": 0,
                        "CLOSESPIDER_PAGECOUNT": int(sys.argv[3]),
                        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7"})
    p.crawl(Site)
    p.start()
    import json
    print(json.dumps(COUNT))
''')


def serve(n: int, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "newsarchive.sample_site", str(n), str(port)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    proc.stdout.readline()  # the URL: it is listening
    return proc


def run_newsarchive(url: str, workdir: Path) -> dict:
    archive = workdir / "archive"
    t0 = time.perf_counter()
    rss = _measured([sys.executable, "-m", "newsarchive.cli", "crawl", url,
                     "--archive", str(archive), "--delay", "0", "--per-host", "16",
                     "--concurrency", "32", "--no-index"])
    seconds = time.perf_counter() - t0
    db = sqlite3.connect(archive / "store.sqlite")
    pages = db.execute("SELECT COUNT(*) FROM fetches").fetchone()[0]
    articles = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    db.close()
    return {"pages": pages, "articles": articles, "seconds": seconds, "peak_rss_mb": rss}


def run_scrapy(url: str, workdir: Path, pages_cap: int) -> dict | None:
    try:
        import scrapy  # noqa: F401
    except ImportError:
        return None
    spider = workdir / "spider.py"
    spider.write_text(SPIDER)
    out = workdir / "pages"
    out.mkdir()
    t0 = time.perf_counter()
    counts_file = workdir / "counts.json"
    cap = str(pages_cap)
    rss = _measured([sys.executable, str(spider), url, str(out), cap], stdout_to=counts_file)
    seconds = time.perf_counter() - t0
    counts = json.loads(counts_file.read_text().strip().splitlines()[-1])
    return {**counts, "seconds": seconds, "peak_rss_mb": rss}


def _measured(cmd: list[str], stdout_to: Path | None = None) -> float:
    """Run ``cmd`` under a small wrapper process; returns the peak RSS (MB) of its children."""
    wrapper = ("import resource, subprocess, sys; "
               "out = open(sys.argv[1], 'w') if sys.argv[1] != '-' else subprocess.DEVNULL; "
               "subprocess.run(sys.argv[2:], check=True, stdout=out, stderr=subprocess.DEVNULL); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    res = subprocess.run([sys.executable, "-c", wrapper, str(stdout_to or "-"), *cmd], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return round(int(res.stdout.strip()) / 1024, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--port", type=int, default=18765)
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each crawler, alternating; the run with the median rate is shown")
    args = ap.parse_args()
    runs: dict[str, list[dict]] = {"newsarchive": [], "scrapy": []}
    for _ in range(args.repeat):
        for name in runs:
            server = serve(args.articles, args.port)
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    url = f"http://127.0.0.1:{args.port}/"
                    if name == "newsarchive":
                        r = run_newsarchive(url, Path(tmp))
                    else:  # Scrapy may fetch as many pages as newsarchive did, plus some
                        r = run_scrapy(url, Path(tmp), int(runs["newsarchive"][-1]["pages"] * 1.2))
                    if r is not None:
                        r["pages_per_s"] = round(r["pages"] / r["seconds"], 1)
                        runs[name].append(r)
            finally:
                server.terminate()
                server.wait()
    results = {name: sorted(rs, key=lambda r: r["pages_per_s"])[len(rs) // 2]
               for name, rs in runs.items() if rs}
    print(f"{'crawler':<12} {'pages':>7} {'articles':>9} {'seconds':>8} {'pages/s':>8} "
          f"{'articles/s':>10} {'peak RSS MB':>12}  all runs (pages/s)")
    for name, r in results.items():
        print(f"{name:<12} {r['pages']:>7} {r['articles']:>9} {r['seconds']:>8.1f} "
              f"{r['pages_per_s']:>8.1f} {r['articles'] / r['seconds']:>10.1f} "
              f"{r['peak_rss_mb']:>12}  "
              f"{', '.join(str(x['pages_per_s']) for x in runs[name])}")
    if "scrapy" in results:
        ratio = results["newsarchive"]["pages_per_s"] / results["scrapy"]["pages_per_s"]
        print(f"newsarchive {ratio:.2f}x Scrapy's pages/s (medians)")
        results["ratio_pages_per_s"] = round(ratio, 2)
    print(json.dumps({"bench": "crawl", "articles": args.articles, **results}))


if __name__ == "__main__":
    main()
