import pytest

from crawler.errors import InvalidURLError
from crawler.policy import LinkPolicy
from crawler.settings import CrawlSettings
from crawler.urls import canonicalize, is_private_host, pagination_depth, pattern_key


@pytest.mark.parametrize("raw, expected", [
    ("HTTP://News.Example.COM:80/a/b.html#top", "http://news.example.com/a/b.html"),
    ("https://news.example.com:443/x?utm_source=tw&utm_medium=s&id=3", "https://news.example.com/x?id=3"),
    ("https://news.example.com/x?b=2&a=1&fbclid=zz&gclid=y", "https://news.example.com/x?a=1&b=2"),
    ("https://news.example.com", "https://news.example.com/"),
    ("https://news.example.com:8443/x", "https://news.example.com:8443/x"),
    ("https://news.example.com/caf%C3%A9 story", "https://news.example.com/caf%C3%A9%20story"),
], ids=["case-port-fragment", "utm", "sorted-fbclid-gclid", "empty-path", "custom-port",
        "encoding"])
def test_canonicalize(raw, expected):
    assert canonicalize(raw) == expected


def test_relative_links_resolve_against_base():
    assert canonicalize("../b.html?utm_campaign=x", base="https://n.example/a/c/d.html") == \
        "https://n.example/a/b.html"


@pytest.mark.parametrize("bad", ["", "mailto:a@b.c", "ftp://x.example/", "http://",
                                 "javascript:void(0)", "http://[::1"])
def test_invalid_urls_raise_our_error(bad):
    with pytest.raises(InvalidURLError):
        canonicalize(bad)


@pytest.mark.parametrize("host, private", [
    ("127.0.0.1", True), ("10.1.2.3", True), ("192.168.0.9", True), ("169.254.1.1", True),
    ("localhost", True), ("::1", True), ("8.8.8.8", False), ("93.184.216.34", False),
])
def test_private_hosts(host, private):
    assert is_private_host(host, resolve=False) is private


def test_trap_keys_mask_numbers_and_query_values():
    assert pattern_key("http://h/calendar?day=1") == pattern_key("http://h/calendar?day=2")
    assert pattern_key("http://h/a?x=1&y=2") != pattern_key("http://h/a?x=1")
    assert pagination_depth("http://h/world/?page=30") == 30
    assert pagination_depth("http://h/world/page/7/") == 7
    assert pagination_depth("http://h/world/") == 0


def test_private_links_from_public_seed_need_permission():
    settings = CrawlSettings(allow_domains=("10.0.0.5", "localhost"))
    policy = LinkPolicy(settings, ["https://news.example.com/"])
    assert policy.scope_reason("https://news.example.com/story") is None
    assert policy.scope_reason("https://other.example.org/") == "off-site"
    assert policy.scope_reason("http://10.0.0.5/admin") == "private-address"
    assert policy.scope_reason("http://localhost/admin") == "private-address"
    allowed = LinkPolicy(CrawlSettings(allow_domains=("10.0.0.5",), allow_private=True),
                         ["https://news.example.com/"])
    assert allowed.scope_reason("http://10.0.0.5/admin") is None


def test_seed_on_private_address_is_allowed():
    policy = LinkPolicy(CrawlSettings(), ["http://127.0.0.1:8000/"])
    assert policy.scope_reason("http://127.0.0.1:8000/story.html") is None


def test_pattern_budget_holds_unproductive_patterns_but_not_article_sections():
    policy = LinkPolicy(CrawlSettings(pattern_budget=3), ["http://h/"])
    assert [policy.admit(f"http://h/calendar?day={i}", 1) for i in range(5)] == \
        ["queue", "queue", "queue", "hold", "hold"]
    # a section whose URLs look alike is released once its pages prove to be articles
    for i in range(3):
        assert policy.admit(f"http://h/news/{i}", 1) == "queue"
    assert policy.admit("http://h/news/3", 1) == "hold"
    policy.record_fetch("http://h/news/0", is_article=True)
    assert policy.admit("http://h/news/4", 1) == "queue"


def test_a_sharded_crawl_owns_a_page_by_its_site_as_resharding_routes_its_story():
    from archive.keys import shard_of
    from crawler import urls
    from crawler.policy import owner

    allow = ("cdn.example.org", "example.net", "wire.example.com")
    pages = [f"https://{host}/story/{i}" for i in range(20) for host in (
        "cdn.example.org", "img.cdn.example.org", "example.net", "www.example.net",
        "wire.example.com", "a.wire.example.com")]
    for count in (2, 3, 5):
        for url in pages:
            site_shard = shard_of(urls.site_of(urls.hostname_of(url)), count)
            assert owner(url, {}, allow, count) == site_shard
            mine = LinkPolicy(CrawlSettings(allow_domains=allow, shard=(site_shard, count)),
                              ["https://news.example.io/"])
            assert mine.scope_reason(url) is None
            other = (site_shard + 1) % count
            theirs = LinkPolicy(CrawlSettings(allow_domains=allow, shard=(other, count)),
                                ["https://news.example.io/"])
            assert theirs.scope_reason(url) == "other-shard"
