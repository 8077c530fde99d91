"""Extraction quality and speed: newsarchive's cleaner vs trafilatura, on real saved pages.

    python bench/extract.py [--shared ../shared/data] [--limit N]

Prints one table and one JSON line. Sets (read in place from the shared corpora):

- Zyte article-extraction benchmark (181 pages): the benchmark's own metric — ``\\w+`` tokens,
  4-token shingles, per-page precision/recall averaged over pages (precision over pages with
  output, recall over pages with ground truth), F1 of the two means, accuracy = share of pages
  whose shingles match exactly.
- trafilatura's evaluation set (990 pages): share of "with" snippets found and of "without"
  snippets absent; title, author and date (same calendar day) accuracy where annotated.
- htmldate's MediaCloud news set (200 pages, 195 dated): date day accuracy.

Baseline in the same run: trafilatura ``bare_extraction(favor_precision=True)`` (text, title,
author, date), and htmldate ``find_date(original_date=True)`` for dates.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import json
import math
import re
import statistics
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def shingles(text: str) -> Counter:
    words = re.findall(r"\w+", text or "")
    if len(words) < 4:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i:i + 4]) for i in range(len(words) - 3))


def page_scores(pred: str, gold: str):
    p, g = shingles(pred), shingles(gold)
    tp = sum((p & g).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    precision = tp / (tp + fp) if (tp + fp) else None
    recall = tp / (tp + fn) if (tp + fn) else None
    return precision, recall, p == g and bool(g)


# -- per-page work (runs in worker processes) ----------------------------------------------------
def _ours(html: str, url: str):
    from crawler.extract import extract

    t = time.perf_counter()
    ex = extract(html, url)
    ms = (time.perf_counter() - t) * 1000
    return {"text": ex.body, "title": ex.title, "author": ex.author, "date": ex.published, "ms": ms}


def _trafilatura(html: str, url: str):
    import trafilatura

    t = time.perf_counter()
    doc = trafilatura.bare_extraction(html, url=url, favor_precision=True, with_metadata=True,
                                      include_comments=False)
    ms = (time.perf_counter() - t) * 1000
    if doc is None:
        return {"text": "", "title": None, "author": None, "date": None, "ms": ms}
    get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
    return {"text": get("text") or "", "title": get("title"), "author": get("author"),
            "date": get("date"), "ms": ms}


def _htmldate(html: str, url: str):
    from htmldate import find_date

    t = time.perf_counter()
    try:
        d = find_date(html, original_date=True, url=url)
    except Exception:  # noqa: BLE001 - baseline library: a failure is a miss
        d = None
    return {"date": d, "ms": (time.perf_counter() - t) * 1000}


def run_page(task):
    kind, key, html, url = task
    out = {"kind": kind, "key": key, "ours": _ours(html, url),
           "trafilatura": _trafilatura(html, url)}
    if kind == "htmldate":
        out["htmldate"] = _htmldate(html, url)
    return out


# -- loading the sets ----------------------------------------------------------------------------
def _decode(data: bytes) -> str:
    from crawler.charset import decode

    return decode(data)[0]


def load_zyte(shared: Path, limit: int):
    root = shared / "article-extraction-benchmark"
    truth = json.loads((root / "ground-truth.json").read_text())
    keys = sorted(truth)[:limit or None]
    def page(k: str) -> str:
        return gzip.decompress((root / "html" / f"{k}.html.gz").read_bytes()).decode(
            "utf-8", "replace")

    tasks = [("zyte", k, page(k), truth[k]["url"]) for k in keys]
    return tasks, truth


def _tar_files(path: Path, wanted) -> dict[str, bytes]:
    """``{name: bytes}`` for the members whose name ``wanted(name)`` accepts, read in one pass
    (an .xz archive read member by member decompresses from its start each time)."""
    out: dict[str, bytes] = {}
    with tarfile.open(path) as tar:
        for m in tar:
            if m.isfile() and wanted(m.name):
                out[m.name] = tar.extractfile(m).read()
    return out


def load_trafilatura(shared: Path, limit: int):
    root = shared / "html-trafilatura-eval"
    data = json.loads((root / "evaldata.json").read_text())
    items = list(data.items())[:limit or None]
    names = {item["file"] for _, item in items}
    files = _tar_files(root / "pages.tar.xz", lambda n: n.split("/", 1)[-1] in names)
    members: dict[str, dict[str, bytes]] = {}
    for name, blob in files.items():
        folder, base = name.split("/", 1)
        members.setdefault(base, {})[folder] = blob
    tasks = []
    for url, item in items:
        found = members.get(item["file"], {})
        blob = found.get("eval") or found.get("cache")
        if blob is not None:
            tasks.append(("trafilatura", url, _decode(blob), url))
    return tasks, data


def load_htmldate(shared: Path, limit: int):
    root = shared / "html-htmldate-eval"
    data = json.loads((root / "eval_mediacloud_2020.json").read_text())
    items = list(data.items())[:limit or None]
    files = {name.rsplit("/", 1)[-1]: blob for name, blob in _tar_files(
        root / "pages.tar.xz", lambda n: n.startswith("test_set/")).items()}
    tasks = [("htmldate", url, _decode(files[item["file"]]), url)
             for url, item in items if item["file"] in files]
    return tasks, data


# -- scoring -------------------------------------------------------------------------------------
def _norm(s) -> str:
    return re.sub(r"\s+", " ", str(s or "")).strip().lower()


def _day(s) -> str:
    return str(s or "")[:10]


def score(results, zyte_truth, traf_truth, hd_truth, who: str) -> dict:
    out: dict = {}
    zy = [r for r in results if r["kind"] == "zyte"]
    if zy:
        ps, rs, acc = [], [], 0
        for r in zy:
            p, rec, exact = page_scores(r[who]["text"], zyte_truth[r["key"]]["articleBody"])
            if r[who]["text"].strip() and p is not None:
                ps.append(p)
            if rec is not None:
                rs.append(rec)
            acc += exact
        P, R = statistics.mean(ps), statistics.mean(rs)
        out["zyte"] = {"f1": round(2 * P * R / (P + R), 4), "precision": round(P, 4),
                       "recall": round(R, 4), "accuracy": round(acc / len(zy), 4), "pages": len(zy)}
    tr = [r for r in results if r["kind"] == "trafilatura"]
    if tr:
        w_ok = w_all = wo_ok = wo_all = 0
        title = [0, 0]
        author = [0, 0]
        date = [0, 0]
        for r in tr:
            gold = traf_truth[r["key"]]
            text = _norm(r[who]["text"])
            for s in gold.get("with", []):
                w_all += 1
                w_ok += _norm(s) in text
            for s in gold.get("without", []):
                wo_all += 1
                wo_ok += _norm(s) not in text
            if gold.get("title"):
                title[1] += 1
                title[0] += _norm(gold["title"]) == _norm(r[who]["title"])
            if gold.get("author"):
                author[1] += 1
                author[0] += _norm(gold["author"]) == _norm(r[who]["author"])
            if gold.get("date"):
                date[1] += 1
                date[0] += _day(gold["date"]) == _day(r[who]["date"])
        out["trafilatura_set"] = {
            "with": round(w_ok / w_all, 4), "without": round(wo_ok / wo_all, 4),
            "title": round(title[0] / title[1], 4), "author": round(author[0] / author[1], 4),
            "date": round(date[0] / date[1], 4), "pages": len(tr), "dated": date[1]}
    hd = [r for r in results if r["kind"] == "htmldate"]
    if hd and who in hd[0]:
        ok = n = 0
        for r in hd:
            gold = hd_truth[r["key"]].get("date")
            if not isinstance(gold, str) or (isinstance(gold, float) and math.isnan(gold)):
                continue
            n += 1
            ok += _day(gold) == _day(r[who]["date"])
        out["htmldate_set"] = {"date": round(ok / n, 4), "dated": n}
    times = [r[who]["ms"] for r in results if who in r]
    out["median_ms"] = round(statistics.median(times), 1) if times else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, default=0, help="pages per set (0: all)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sets", default="zyte,trafilatura,htmldate")
    args = ap.parse_args()
    sets = args.sets.split(",")
    zt = tt = ht = {}
    tasks = []
    if "zyte" in sets:
        t, zt = load_zyte(args.shared, args.limit)
        tasks += t
    if "trafilatura" in sets:
        t, tt = load_trafilatura(args.shared, args.limit)
        tasks += t
    if "htmldate" in sets:
        t, ht = load_htmldate(args.shared, args.limit)
        tasks += t
    t0 = time.time()
    with concurrent.futures.ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run_page, tasks, chunksize=4))
    ours = score(results, zt, tt, ht, "ours")
    base = score(results, zt, tt, ht, "trafilatura")
    hdate = score([r for r in results if r["kind"] == "htmldate"], zt, tt, ht, "htmldate") \
        if "htmldate" in sets else {}
    rows = [("newsarchive", ours), ("trafilatura 2.3.1 precision", base)]
    print(f"{'extractor':<30} {'zyte F1':>8} {'P':>6} {'R':>6} {'acc':>6} | {'with':>6} {'w/o':>6} "
          f"{'title':>6} {'author':>6} {'date':>6} | {'hd date':>7} | {'ms/page':>7}")
    for name, s in rows:
        z, t, h = s.get("zyte", {}), s.get("trafilatura_set", {}), s.get("htmldate_set", {})
        print(f"{name:<30} {z.get('f1', 0):>8.3f} {z.get('precision', 0):>6.3f} "
              f"{z.get('recall', 0):>6.3f} {z.get('accuracy', 0):>6.3f} | "
              f"{t.get('with', 0):>6.3f} {t.get('without', 0):>6.3f} "
              f"{t.get('title', 0):>6.3f} {t.get('author', 0):>6.3f} {t.get('date', 0):>6.3f} | "
              f"{h.get('date', 0):>7.3f} | {s['median_ms']:>7.1f}")
    if hdate:
        blank = f"{'':>8} {'':>6} {'':>6} {'':>6} | {'':>6} {'':>6} {'':>6} {'':>6} {'':>6}"
        print(f"{'htmldate 1.11 original_date':<30} {blank} | "
              f"{hdate['htmldate_set']['date']:>7.3f} | {hdate['median_ms']:>7.1f}")
    print(json.dumps({"bench": "extract", "seconds": round(time.time() - t0, 1),
                      "newsarchive": ours, "trafilatura": base, "htmldate": hdate}))


if __name__ == "__main__":
    main()
