"""Archiving faithfully: crawl the many-layout site and judge what the archive holds.

    python bench/site.py [--stories 1800] [--seed 7] [--layouts all]

Serves ``newsarchive.layout_site`` (nine layouts, stories from the 1850s to today, one
sentence to thousands of words, 2% of story pages failing once) in its own process, runs the
command a user runs — ``newsarchive crawl URL --delay 0 --per-host 16 --no-index`` at
otherwise default settings — and compares the store with the site's ground truth, per layout:

- recall: share of the layout's stories stored (and, over all layouts, of stories under 60
  words and of longer ones);
- title exact: stored title == the headline;
- date: stored date on the story's calendar day (every era);
- body F1: 4-word shingles of the stored body against the story's paragraphs (the Zyte
  benchmark's metric, see bench/extract.py), averaged over stored stories;
- topics exact: the stored topics are the tags the page shows (and perhaps the story's
  section), over stories whose page shows tags.

Held-out layouts (``newsarchive.site_stories.HELD_OUT``: written after the cleaner was tuned
on the others) are marked. Prints one table, the crawl's pages/s and the pages it classed as
listings, and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _extract_bench():
    """bench/extract.py, for its shingles (the Zyte benchmark's metric)."""
    from importlib import util

    spec = util.spec_from_file_location("bench_extract", ROOT / "bench" / "extract.py")
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shingles = _extract_bench().shingles


def f1(pred: str, gold: str) -> float:
    p, g = shingles(pred), shingles(gold)
    tp = sum((p & g).values())
    if not tp:
        return 0.0
    precision, recall = tp / sum(p.values()), tp / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def serve(stories: int, seed: int, layouts: tuple[str, ...]) -> tuple[subprocess.Popen, str]:
    code = ("import sys; from newsarchive.layout_site import LayoutSite; "
            f"s = LayoutSite({stories}, seed={seed}, layout_names={layouts!r}).start(); "
            "print(s.url, flush=True); s.thread.join()")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    url = proc.stdout.readline().strip()
    if not url:
        sys.exit("the test site did not start")
    return proc, url


def judge(archive: Path, site_stories, base: str) -> dict:
    from archive.store import Store
    from newsarchive.layouts import story_path

    by_path = {story_path(s): s for s in site_stories}
    with Store(archive, create=False) as store:
        stored = {}
        for a in store.articles():
            for u in (a.url, a.canonical_url):
                path = u[len(base):] if u.startswith(base) else None
                if path in by_path:
                    stored[by_path[path].id] = a
    rows: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    for s in site_stories:
        row = rows[s.layout]
        a = stored.get(s.id)
        row["recall"].append(a is not None)
        rows["short" if s.words < 60 else "long"]["recall"].append(a is not None)
        if a is None:
            continue
        row["title"].append(a.title == s.title)
        row["date"].append((a.published or "")[:10] == s.day.isoformat())
        row["body"].append(f1(a.body, s.body))
        if s.topics:  # exact, but for the section the cleaner adds to the page's tags
            got, gold = {t.lower() for t in a.topics}, {t.lower() for t in s.topics}
            row["topics"].append(gold <= got and got - gold <= {(a.section or "").lower()})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stories", type=int, default=1800)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--layouts", default="all",
                    help="comma-separated layouts to serve (default: all, the held-out ones too)")
    ap.add_argument("--keep", type=Path, help="keep the archive in this folder")
    args = ap.parse_args()
    from newsarchive.site_stories import HELD_OUT, LAYOUTS, generate

    names = (*LAYOUTS, *HELD_OUT) if args.layouts == "all" else tuple(args.layouts.split(","))
    proc, base = serve(args.stories, args.seed, names)
    work = Path(tempfile.mkdtemp(prefix="bench-site-"))
    archive = args.keep or work / "data"
    try:
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "newsarchive.cli", "crawl", base + "/",
             "--archive", str(archive),
             "--delay", "0", "--per-host", "16", "--no-index", "--json"],
            capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - t0
    finally:
        proc.terminate()
    if out.returncode not in (0, 1):
        sys.exit(f"crawl failed ({out.returncode}):\n{out.stderr[-3000:]}")
    summary = json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else {}
    rows = judge(archive, generate(args.stories, args.seed, names), base)

    def mean(xs):
        return round(sum(xs) / len(xs), 3) if xs else None

    table = {}
    print(f"{'layout':<13} {'stories':>7} {'recall':>7} {'title':>7} {'date':>7} {'body F1':>8}"
          f" {'topics':>7}")
    for name in (*names, "short", "long"):
        row = rows.get(name, {})
        figures = {k: mean(row.get(k, [])) for k in ("recall", "title", "date", "body", "topics")}
        table[name] = {"stories": len(row.get("recall", [])), **figures}
        mark = " *" if name in HELD_OUT else ""
        cells = " ".join(f"{'-' if v is None else format(v, '.3f'):>7}" for v in figures.values())
        print(f"{name + mark:<13} {len(row.get('recall', [])):>7} {cells}")
    pages = summary.get("pages", 0)
    print(f"* held out (not tuned on). crawl: {pages} pages in {seconds:.1f} s = "
          f"{pages / seconds:.1f} pages/s;"
          f" listings {summary.get('outcomes', {}).get('listing', 0)}")
    for sample in summary.get("listing_samples", [])[:5]:
        print(f"  listing: {sample}")
    print(json.dumps({"layouts": table, "pages": pages, "seconds": round(seconds, 1),
                      "pages_per_second": round(pages / seconds, 1),
                      "listings": summary.get("outcomes", {}).get("listing", 0)}))


if __name__ == "__main__":
    main()
