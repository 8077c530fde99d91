"""The JSON API, feeds and pages over HTTP against the running app (httpx, no browser)."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import feedparser
import httpx
import pytest

from tests.conftest import cli

from .conftest import XSS_TITLE, XSS_URL
from .server import serving


@pytest.fixture(scope="module")
def http(base_url):
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


def test_api_search_is_the_cli_json_object(http, web_archive):
    api = http.get("/api/search", params={"q": "interest rates", "from": "2024-05"})
    assert api.status_code == 200
    data = api.json()
    out = cli("search", "interest rates", "--from", "2024-05", "--json",
              "--archive", str(web_archive))
    expected = json.loads(out.stdout)
    assert {"total", "hits", "facets", "did_you_mean"} <= set(data)
    assert data["total"] == expected["total"] >= 1
    assert [h["url"] for h in data["hits"]] == [h["url"] for h in expected["hits"]]
    assert data["facets"] == expected["facets"]
    assert data["hits"][0]["snippet"] == expected["hits"][0]["snippet"]
    assert isinstance(data["hits"][0]["id"], int)


def test_api_article_and_related(http):
    hit = http.get("/api/search", params={"q": "flood barriers"}).json()["hits"][0]
    art = http.get(f"/api/articles/{hit['id']}").json()
    assert art["canonical_url"] == hit["url"]
    assert art["body"] and art["published"].startswith("2024-05-06")
    assert art["published_source"]  # the date's provenance
    rel = http.get("/api/related", params={"id": hit["id"], "limit": 3}).json()
    assert rel["source"] == hit["url"]
    assert rel["suggestions"] and all(s["url"] != hit["url"] for s in rel["suggestions"])
    assert {"url", "title", "published", "score", "terms"} <= set(rel["suggestions"][0])
    draft = http.post("/api/related", json={"text": "Heavy rain and floods: the river barriers "
                                                    "held as villages were evacuated"}).json()
    assert "flood" in draft["suggestions"][0]["url"]


@pytest.mark.parametrize("path, status, says", [
    ("/api/search?q=rates&from=2024-13", 400, "not a real date"),
    ("/api/search?q=author:x&limit=500", 400, "limit"),
    ("/api/search?q=nosuchfield:x", 400, "nosuchfield"),
    ("/api/search?page=abc", 400, "page"),
    ("/api/articles/999999", 404, "no article number 999999"),
    ("/api/articles/abc", 400, "article_id"),
    ("/api/related", 400, "url= or id="),
    ("/api/related?url=https://nowhere.example/x", 400, "not in the index"),
    ("/api/nothing", 404, "Not Found"),
])
def test_api_errors_are_json_with_the_right_status(http, path, status, says):
    r = http.get(path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    assert says in r.json()["error"]


def test_api_draft_needs_json_text(http):
    r = http.post("/api/related", content=b"not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "send JSON" in r.json()["error"]


def test_no_index_is_503_not_a_traceback(tmp_path):
    with serving(tmp_path / "empty") as url:
        r = httpx.get(url + "/api/search", params={"q": "x"})
        assert r.status_code == 503 and "no index" in r.json()["error"]
        page = httpx.get(url + "/", params={"q": "x"})
        assert page.status_code == 503 and "newsarchive index" in page.text


def test_openapi_description(http):
    spec = http.get("/openapi.json").json()
    assert {"/api/search", "/api/articles/{article_id}", "/api/related"} <= set(spec["paths"])


def test_opensearch_and_atom_feed(http, base_url):
    osd = ElementTree.fromstring(http.get("/opensearch.xml").content)
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    templates = [u.get("template") for u in osd.findall("os:Url", ns)]
    assert f"{base_url}/?q={{searchTerms}}" in templates
    page = http.get("/", params={"q": "rates"}).text
    assert 'rel="search" type="application/opensearchdescription+xml"' in page
    feed = feedparser.parse(http.get("/feed.atom", params={"q": "rates", "from": "2024"}).content)
    assert not feed.bozo and feed.feed.title == "newsarchive: rates"
    assert feed.entries and "central-bank" in feed.entries[0].link


def test_escaping_in_pages_feed_and_api(http):
    page = http.get("/", params={"q": "tariffs <script>alert(1)</script>"}).text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    hits = http.get("/api/search", params={"q": "tariffs"}).json()["hits"]
    xss = next(h for h in hits if h["url"] == XSS_URL)
    assert xss["title"] == XSS_TITLE  # JSON keeps the text as it is
    article = http.get(f"/articles/{xss['id']}").text
    assert "<script>window.__xss" not in article and "&lt;script&gt;window.__xss" in article
    assert "<b>bold</b>" not in article
    feed = http.get("/feed.atom", params={"q": "tariffs"}).text
    assert "<script>" not in feed


def test_capture_is_served_sandboxed(http):
    hit = http.get("/api/search", params={"q": "striker contract"}).json()["hits"][0]
    page = http.get(f"/articles/{hit['id']}").text
    assert f'/articles/{hit["id"]}/capture' in page
    assert re.search(r"\(fetched \d{4}-\d\d-\d\d \d\d:\d\d UTC\)", page)
    capture = http.get(f"/articles/{hit['id']}/capture")
    assert capture.status_code == 200 and "Striker signs record contract" in capture.text
    assert capture.headers["content-security-policy"] == "sandbox"


def test_cli_serve_with_two_worker_processes(web_archive):
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "newsarchive.cli", "serve", "--archive",
                             str(web_archive), "--port", str(port), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/search", params={"q": "vaccine"})
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, \
                    proc.stderr.read().decode() if proc.poll() is not None else "timeout"
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["total"] >= 1
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def test_the_feed_is_newest_first_whatever_the_reader_asks(http):
    asked = http.get("/feed.atom", params={"from": "1990", "sort": "oldest", "limit": 1})
    assert asked.status_code == 200
    entries = feedparser.parse(asked.content).entries
    dates = [e.updated for e in entries]
    assert len(entries) > 1 and dates == sorted(dates, reverse=True)


def test_search_errors_name_the_value(http):
    response = http.get("/api/search", params={"q": "rates", "limit": 0})
    assert response.status_code == 400
    assert response.json()["error"] == "limit must be between 1 and 100"
