"""Decompression bombs: the crawl's peak memory on a site that serves them.

    python bench/bombs.py [--bombs 20] [--stories 200] [--inflates-to-mb 1000]

Serves, in its own process on 127.0.0.1, a site of ``--stories`` ordinary stories and
``--bombs`` pages sent with ``Content-Encoding: gzip`` that inflate to ``--inflates-to-mb`` MB
each (about a thousandth of that on the wire), a gzipped sitemap bomb among them. Runs the
command a user runs — ``newsarchive crawl URL --delay 0 --per-host 16 --no-index`` at
otherwise default settings — and prints its peak RSS (its cleaning processes included, as
the largest of them) and the stories it stored, and one JSON line. Compare two versions by
running this script from each checkout on the same machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SERVER = r'''
import sys, threading, zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

stories, bombs, size_mb = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
out = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
chunk = b" " * (1 << 20)
BOMB = b"".join(out.compress(chunk) for _ in range(size_mb)) + out.flush()
PARA = ("<p>The port reopened on Monday after a week of repairs, officials said, and the first "
        "ships were unloaded before noon as traders waited on the quay.</p>")

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def send(self, body, ctype="text/html", enc=None):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if enc:
            self.send_header("Content-Encoding", enc)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        p = self.path
        if p == "/robots.txt":
            return self.send(b"User-agent: *\nSitemap: /sitemap.xml.gz\n", "text/plain")
        if p == "/sitemap.xml.gz":
            return self.send(BOMB, "application/gzip")
        if p == "/":
            links = "".join(f'<a href="/news/2024/05/07/story-{i}.html">s</a>'
                            for i in range(stories))
            links += "".join(f'<a href="/bomb-{i}.html">b</a>' for i in range(bombs))
            return self.send(f"<html><body>{links}</body></html>".encode())
        if p.startswith("/bomb-"):
            return self.send(BOMB, enc="gzip")
        if p.startswith("/news/"):
            n = p.rsplit("-", 1)[1].split(".")[0]
            page = f"<html><body><h1>Port story {n}</h1>{PARA * 4}</body></html>"
            return self.send(page.encode())
        self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()

s = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(f"http://127.0.0.1:{s.server_address[1]}", flush=True)
s.serve_forever()
'''


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stories", type=int, default=200)
    ap.add_argument("--bombs", type=int, default=20)
    ap.add_argument("--inflates-to-mb", type=int, default=1000)
    ap.add_argument("--per-host", type=int, default=16)
    args = ap.parse_args()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(args.stories), str(args.bombs),
                               str(args.inflates_to_mb)], stdout=subprocess.PIPE, text=True)
    base = server.stdout.readline().strip()
    archive = Path(tempfile.mkdtemp(prefix="bench-bombs-")) / "data"
    try:
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "newsarchive.cli", "crawl", base + "/",
                              "--archive", str(archive), "--delay", "0",
                              "--per-host", str(args.per_host),
                              "--no-index"], capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - t0
    finally:
        server.terminate()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    stored = 0
    if (archive / "store.sqlite").exists():
        with sqlite3.connect(archive / "store.sqlite") as db:
            stored = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    print(f"{args.bombs} bombs of {args.inflates_to_mb} MB and {args.stories} stories: peak RSS "
          f"{peak_mb:.0f} MB, {stored} of {args.stories} stories stored, {seconds:.1f} s, "
          f"exit status {out.returncode}")
    if out.returncode not in (0, 1):
        print(out.stderr[-1500:])
    print(json.dumps({"bench": "bombs", "peak_rss_mb": round(peak_mb), "stored": stored,
                      "stories": args.stories, "seconds": round(seconds, 1),
                      "exit": out.returncode}))


if __name__ == "__main__":
    main()
