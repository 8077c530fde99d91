"""Crawling a sharded archive on a real Dask cluster: each site in one shard, the same stories
as one process stores, and a worker killed mid-crawl loses nothing."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from archive import sharding
from archive.keys import shard_of
from archive.store import Store
from cluster import crawl_sharded, reextract_sharded
from crawler import Crawler, CrawlSettings
from newsarchive.sample_site import SampleSite, SiteState

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning",
                                        "ignore::pytest.PytestUnraisableExceptionWarning")

#: loopback names in different shards of two (checked below)
HOSTS = ("127.0.0.1", "127.0.0.3")


def _stories(paths) -> list[str]:
    out = []
    for path in paths:
        with Store(path, create=False) as store:
            out += [a.canonical_url for a in store.articles()]
    return out


@pytest.fixture
def sites():
    assert shard_of(HOSTS[0], 2) != shard_of(HOSTS[1], 2)
    with SampleSite(SiteState(extra_articles=60), host=HOSTS[0]) as a, \
            SampleSite(SiteState(extra_articles=60), host=HOSTS[1]) as b:
        yield [a.url + "/", b.url + "/"]


def test_each_site_lands_in_one_shard_with_the_stories_one_process_stores(
        tmp_path, client, sites):
    settings = CrawlSettings(delay=0.0, backoff=0.05, timeout=5.0)
    Crawler(tmp_path / "one", settings).run(sites)
    seen = []
    figures = crawl_sharded(client, tmp_path / "two", sites, settings, shards=2,
                            progress=seen.append)
    shard_map = sharding.read(tmp_path / "two")
    expected = sorted(_stories([tmp_path / "one"]))
    assert sorted(_stories(shard_map.paths)) == expected and len(expected) > 100
    for i, path in enumerate(shard_map.paths):
        hosts = {url.split("/")[2].split(":")[0] for url in _stories([path])}
        assert hosts == {h for h in HOSTS if shard_of(h, 2) == i}
    assert figures["articles_new"] == len(expected) and figures["shards"] == 2
    assert seen and seen[-1]["pages"] > 0  # one progress line for the whole crawl
    # each shard's captures cleaned again where they are: nothing changes, nothing is missing
    again = reextract_sharded(client, tmp_path / "two")
    assert again == {"checked": len(expected), "changed": 0, "unchanged": len(expected),
                     "missing": 0}


def test_a_worker_killed_mid_crawl_has_its_shard_resumed(tmp_path, client, sites):
    settings = CrawlSettings(delay=0.02, backoff=0.05, timeout=5.0)
    Crawler(tmp_path / "one", CrawlSettings(delay=0.0, backoff=0.05, timeout=5.0)).run(sites)
    killed = []

    def kill_one(figures):
        if not killed and figures.get("pages", 0) >= 40:
            pids = client.run(os.getpid)
            victim = sorted(pids)[0]
            os.kill(pids[victim], signal.SIGKILL)
            killed.append(victim)

    done: dict = {}
    thread = threading.Thread(target=lambda: done.update(crawl_sharded(
        client, tmp_path / "two", sites, settings, shards=2, progress=kill_one)))
    thread.start()
    thread.join(240)
    assert not thread.is_alive() and killed
    stories = _stories(sharding.read(tmp_path / "two").paths)
    assert len(stories) == len(set(stories))  # every story once
    assert sorted(stories) == sorted(_stories([tmp_path / "one"]))


def test_links_to_another_shards_sites_are_handed_to_it(tmp_path, client, monkeypatch):
    """A site links to a partner site crawled only as an allowed domain, which lives in the
    other shard: the partner's stories are fetched there, once, as one process stores them;
    and the partner's link back to the site comes back to the site's shard."""
    assert shard_of(HOSTS[0], 2) != shard_of(HOSTS[1], 2)
    with SampleSite(SiteState(extra_articles=30), host=HOSTS[1]) as partner, \
            SampleSite(SiteState(extra_articles=30), host=HOSTS[0]) as home:
        home.state.links_out = [partner.url + "/", partner.url + "/sections/world"]
        partner.state.links_out = [home.url + "/only-from-the-partner"]
        settings = CrawlSettings(delay=0.0, backoff=0.05, timeout=5.0, allow_private=True,
                                 allow_domains=(HOSTS[1],))
        Crawler(tmp_path / "one", settings).run([home.url + "/"])
        expected = sorted(_stories([tmp_path / "one"]))
        assert any(HOSTS[1] in url for url in expected)
        assert home.state.hits["/only-from-the-partner"] == 1
        partner.state.hits.clear()
        home.state.hits.clear()
        received = _handoffs_received(monkeypatch)
        figures = crawl_sharded(client, tmp_path / "two", [home.url + "/"], settings, shards=2)
        shard_map = sharding.read(tmp_path / "two")
        assert sorted(_stories(shard_map.paths)) == expected
        for i, path in enumerate(shard_map.paths):
            hosts = {url.split("/")[2].split(":")[0] for url in _stories([path])}
            assert hosts == {h for h in HOSTS if shard_of(h, 2) == i}
        assert figures["shards"] == 2 and figures["articles_new"] == len(expected)
        assert max(partner.state.hits.values()) == 1  # no page of the partner fetched twice
        # a page of the home site that only the partner links to: fetched by home's shard,
        # as by one process (the partner's shard found it out of its own scope)
        assert home.state.hits["/only-from-the-partner"] == 1
        for path in shard_map.paths:  # both crawls finished: a new crawl starts afresh
            with Store(path, create=False) as store:
                assert store.last_crawl()["finished_at"] is not None
        # three rounds (home, the partner, home's page the partner links to), and a shard
        # sends each link it found for the other once, not again with each round
        assert len(received) == 3 and all(received), received
        for shard in (0, 1):
            sent = [url for got in received for url in got.get(shard, [])]
            assert len(sent) == len(set(sent)), sent


def _handoffs_received(monkeypatch) -> list[dict[int, list[str]]]:
    """The links for other shards the coordinator receives from each shard, round by round."""
    from cluster import work

    received: list[dict[int, list[str]]] = []
    wait = work._wait_crawls

    def recording(*args, **kwargs):
        done = wait(*args, **kwargs)
        received.append({i: [link[0] for link in figures.get("handoffs", [])]
                         for i, figures in done.items()})
        return done

    monkeypatch.setattr(work, "_wait_crawls", recording)
    return received


def test_the_cli_crawls_shards_without_a_workers_log_on_the_terminal(tmp_path, sites):
    """A task's failure is the command's error message; progress is read from the shards
    before they first report, which the scheduler logged as an error with its traceback."""
    from tests.conftest import cli

    archive = str(tmp_path / "a")
    bad = cli("crawl", "notaurl", "--archive", archive, "--shards", "2")
    assert bad.returncode != 0 and "no valid seed URL" in bad.stderr
    good = cli("crawl", sites[0], "--archive", archive, "--delay", "0", "--max-pages", "5")
    assert good.returncode == 0, good.stderr
    for out in (bad, good):
        assert "Traceback" not in out.stderr and " - ERROR - " not in out.stderr, out.stderr
