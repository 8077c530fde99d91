"""kill -9 in the middle of a crawl, then the same command again: nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

from warcio.archiveiterator import ArchiveIterator

from crawler import Store
from newsarchive.sample_site import STORIES, SampleSite, SiteState

EXTRA = 400


def crawl_cmd(site, archive):
    return [sys.executable, "-m", "newsarchive.cli", "crawl", site.url + "/", "--archive",
            str(archive), "--delay", "0", "--per-host", "8", "--workers", "0", "--no-index"]


def count_articles(archive) -> int:
    try:
        db = sqlite3.connect(f"file:{archive / 'store.sqlite'}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def test_kill_9_then_resume(tmp_path):
    archive = tmp_path / "data"
    with SampleSite(SiteState(extra_articles=EXTRA)) as site:
        log = tmp_path / "first-run.log"
        with open(log, "wb") as err:
            proc = subprocess.Popen(crawl_cmd(site, archive), stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 60
        while count_articles(archive) < 60 and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with Store(archive) as store:
            done_before = {r["url"] for r in store.db.execute(
                "SELECT url FROM frontier WHERE state='done' AND kind='page'")}
            stored_before = store.count_articles()
        assert 60 <= stored_before < EXTRA, "the crawl should have been killed mid-way"
        site.state.requests.clear()

        second = subprocess.run(crawl_cmd(site, archive), capture_output=True, text=True,
                                timeout=120)
        assert second.returncode == 0, second.stderr
        assert "Resumed crawl #1" in second.stdout
        refetched = {site.url + p for p, _, _ in site.state.requests} & done_before
        assert refetched == set(), f"pages finished before the kill were fetched again: {refetched}"

    with Store(archive) as store:
        assert store.count_articles() == len(STORIES) + 1 + EXTRA
        per_url = store.db.execute(
            "SELECT a.url, COUNT(f.id) FROM articles a JOIN fetches f ON f.url = a.url"
            " AND f.status = 200 GROUP BY a.url").fetchall()
        assert len(per_url) == store.count_articles()
        assert {n for _, n in per_url} == {1}, "an article was fetched and stored twice"
        queued = store.db.execute(
            "SELECT COUNT(*) FROM frontier WHERE state='queued'").fetchone()[0]
        assert queued == 0
    # every WARC file, including the one being written at the kill, reads to the end
    for path in (archive / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            assert sum(1 for _ in ArchiveIterator(fh)) > 0



def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(tmp_path):
    archive = tmp_path / "data"
    with SampleSite(SiteState(extra_articles=300)) as site:
        cmd = crawl_cmd(site, archive)
        cmd[cmd.index("--workers") + 1] = "1"  # a cleaning process too: it must not die first
        # SIGINT restored to its default, whatever the shell that started the tests did
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 60
        while count_articles(archive) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "stopped early" in out and "resume" in out
        assert "Traceback" not in err
        stopped_at = count_articles(archive)
        assert 20 <= stopped_at < len(STORIES) + 1 + 300
        second = subprocess.run(crawl_cmd(site, archive), capture_output=True, text=True,
                                timeout=120)
    assert second.returncode == 0, second.stderr
    assert "Resumed crawl #1 finished" in second.stdout
    assert count_articles(archive) == len(STORIES) + 1 + 300
