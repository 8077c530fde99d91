"""The store's grouped commits: each transaction all or nothing, commits batched in time."""

from __future__ import annotations

import sqlite3
import time

import pytest

from archive.store import Store


def _urls(path) -> set[str]:
    """The frontier as another process sees it (committed rows only)."""
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT url FROM frontier")}


def _enqueue(store: Store, url: str, crawl_id: int) -> None:
    store.enqueue(url, "example.org", 0, crawl_id)


def test_grouped_transactions_commit_together_and_fail_alone(tmp_path):
    store = Store(tmp_path)
    crawl_id, _ = store.open_crawl(["https://example.org/"], {})
    store.group_commits(60.0)  # nothing is due during the test
    with store.transaction():
        _enqueue(store, "https://example.org/a", crawl_id)
    with pytest.raises(RuntimeError):
        with store.transaction():
            _enqueue(store, "https://example.org/b", crawl_id)
            raise RuntimeError("this page's handling failed")
    with store.transaction():
        with store.transaction():  # nested: part of the outer one
            _enqueue(store, "https://example.org/c", crawl_id)
    assert store.group_open
    assert _urls(store.path) == set(), "nothing should be committed before the group is due"
    store.flush()
    assert _urls(store.path) == {"https://example.org/a", "https://example.org/c"}
    store.close()


def test_a_group_is_committed_when_due_and_on_close(tmp_path):
    store = Store(tmp_path)
    crawl_id, _ = store.open_crawl(["https://example.org/"], {})
    store.group_commits(0.05)
    with store.transaction():
        _enqueue(store, "https://example.org/a", crawl_id)
    time.sleep(0.06)
    store.commit_due()
    assert _urls(store.path) == {"https://example.org/a"}
    with store.transaction():
        _enqueue(store, "https://example.org/b", crawl_id)
    store.close()  # closing commits what is left
    assert _urls(store.path) == {"https://example.org/a", "https://example.org/b"}


def test_without_grouping_every_transaction_commits(tmp_path):
    store = Store(tmp_path)
    crawl_id, _ = store.open_crawl(["https://example.org/"], {})
    with store.transaction():
        _enqueue(store, "https://example.org/a", crawl_id)
    assert _urls(store.path) == {"https://example.org/a"}
    store.close()


def test_links_for_other_shards_are_given_once_each_even_when_the_clock_goes_back(
        tmp_path, monkeypatch):
    """A sharded crawl collects a shard's links for the others round by round from where the
    last round stopped: a link found after the clock was set back is not skipped."""
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    with Store(tmp_path) as store:
        crawl_id, _ = store.open_crawl(["https://a.example/"], {})
        for url in ("https://b.example/1", "https://b.example/2"):  # at the same instant
            store.enqueue(url, "b.example", 1, crawl_id, state="handoff")
        first, since = store.handoffs(crawl_id)
        assert [row[0] for row in first] == ["https://b.example/1", "https://b.example/2"]
        assert store.handoffs(crawl_id, since) == ([], since)
        clock[0] -= 3600  # set back an hour
        store.enqueue("https://b.example/3", "b.example", 1, crawl_id, state="handoff")
        store.enqueue("https://a.example/x", "a.example", 1, crawl_id)  # not a handoff
        later, since = store.handoffs(crawl_id, since)
        assert [row[0] for row in later] == ["https://b.example/3"]
        assert store.handoffs(crawl_id, since)[0] == []
