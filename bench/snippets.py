"""Snippet speed: newsarchive's fused fragmenter vs Whoosh's highlighter, same fragments.

    python bench/snippets.py [--shared ../shared/data] [--stories 2000]

Reuters-21578 bodies, each with the stemmed words of its own title as the query (what a
search's hits look like: the query's words are in the story). Baseline in the same run:
Whoosh's ``ContextFragmenter`` and ``BasicFragmentScorer`` over our analyzer's tokens (what
snippets used before); every snippet is checked to be the same. Five passes each,
alternating; prints the median ms per snippet of each and their ratio, and one JSON line.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))


def stories(shared: Path, n: int) -> list[tuple[str, set[str]]]:
    from indexer.analysis import news_analyzer

    ana = news_analyzer()
    out = []
    for path in sorted((shared / "reuters21578").glob("reut2-*.sgm.gz")):
        text = gzip.decompress(path.read_bytes()).decode("latin-1")
        for rec in re.findall(r"<REUTERS(.*?)</REUTERS>", text, re.S):
            body = re.search(r"<BODY>(.*?)</BODY>", rec, re.S)
            title = re.search(r"<TITLE>(.*?)</TITLE>", rec, re.S)
            if body and title:
                terms = {t for t, *_ in ana.spans(title.group(1))}
                if terms:
                    out.append((body.group(1), terms))
            if len(out) >= n:
                return out
    return out


def main() -> None:
    from whoosh import highlight

    from indexer.analysis import news_analyzer
    from search.snippets import SCAN_CHARS, SNIPPET_CHARS, SURROUND, _fragments

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--stories", type=int, default=2000)
    args = ap.parse_args()
    ana = news_analyzer()
    items = stories(args.shared, args.stories)

    def whoosh(text, terms):
        tokens = highlight.set_matched_filter(
            ana(text, chars=True, mode="query", removestops=False), frozenset(terms))
        fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=SURROUND,
                                                 charlimit=SCAN_CHARS)
        frags = sorted(fragmenter.fragment_tokens(text, tokens),
                       key=highlight.BasicFragmentScorer(), reverse=True)[:2]
        frags.sort(key=lambda f: f.startchar)
        return [(f.startchar, f.endchar, [(t.startchar, t.endchar, t.text) for t in f.matches])
                for f in frags]

    def ours(text, terms):
        return _fragments(text, terms, ana)

    differ = sum(whoosh(t, q) != ours(t, q) for t, q in items)
    times: dict[str, list[float]] = {"whoosh": [], "newsarchive": []}
    for _ in range(5):
        for name, fn in (("whoosh", whoosh), ("newsarchive", ours)):
            t0 = time.perf_counter()
            for text, terms in items:
                fn(text, terms)
            times[name].append((time.perf_counter() - t0) * 1000 / len(items))
    base, new = (statistics.median(times[k]) for k in ("whoosh", "newsarchive"))
    print(f"{len(items)} Reuters stories, the words of each title as its query:")
    print(f"  Whoosh's highlighter   {base:.3f} ms a snippet")
    print(f"  newsarchive            {new:.3f} ms a snippet   ({base / new:.2f}x as fast)")
    print(f"  snippets that differ: {differ}")
    print(json.dumps({"bench": "snippets", "stories": len(items), "whoosh_ms": round(base, 4),
                      "newsarchive_ms": round(new, 4), "speedup": round(base / new, 2),
                      "differ": differ}))


if __name__ == "__main__":
    main()
