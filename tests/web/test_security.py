"""The web app under hostile requests: 4xx with a clear message, never a 5xx or a stall."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture(scope="module")
def http(base_url):
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


@pytest.mark.parametrize("path, status", [
    ("/api/search?q=rates&from=9999-12-31", 400),
    ("/api/search?q=rates&to=0000", 400),
    ("/api/related?id=1&within=99999999999y", 400),
    ("/api/articles/99999999999999999999999", 404),
    ("/api/search?q=rates&page=99999999", 400),
    ("/api/search?q=rates&limit=-1", 400),
    ("/api/search?q=*e*%20OR%20*a*", 400),
    ("/api/search?q=a*", 400),
    ("/api/search?q=" + "tariffs+" * 200, 400),
    ("/?q=rates&from=9999-12-31", 400),
    ("/articles/99999999999999999999", 404),
])
def test_out_of_range_input_is_a_client_error(http, path, status):
    response = http.get(path)
    assert response.status_code == status, response.text
    if path.startswith("/api/"):
        assert response.json()["error"]


def test_a_wildcard_with_letters_still_works(http):
    response = http.get("/api/search", params={"q": "tarif*"})
    assert response.status_code == 200


def test_an_unknown_host_gets_no_archive(http):
    response = http.get("/api/search?q=rates", headers={"Host": "attacker.example"})
    assert response.status_code == 400 and "allowed-host" in response.json()["error"]
    assert http.get("/", headers={"Host": "localhost"}).status_code == 200


def test_pages_send_security_headers(http):
    headers = http.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"].split("style-src")[0]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"]
    api = http.get("/api/search?q=rates").headers
    assert api["x-content-type-options"] == "nosniff"


def test_an_oversize_body_is_refused_before_it_is_read(http):
    big = b'{"text": "' + b"tariffs " * 300_000 + b'"}'
    response = http.post("/api/related", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b"x" * 65536

    response = http.post("/editor", content=chunks(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_cross_site_posts_are_refused(http, base_url):
    form = {"text": "flood defences along the river"}
    for refused in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        assert http.post("/editor", data=form, headers=refused).status_code == 403
    assert http.post("/editor", data=form, headers={"Origin": base_url}).status_code == 200
    plain = http.post("/api/related", content='{"text": "flood"}',
                      headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415 and "JSON" in plain.json()["error"]



def test_a_slow_search_does_not_hold_up_the_others(http, slow_search):
    import threading
    import time

    slow_search("slow", 3)
    slow = threading.Thread(target=lambda: http.get("/api/search", params={"q": "slow"}))
    slow.start()
    time.sleep(0.3)
    started = time.monotonic()
    quick = http.get("/api/search", params={"q": "flood"})
    took = time.monotonic() - started
    slow.join()
    assert quick.status_code == 200 and took < 2, took


def test_a_search_past_its_time_budget_is_a_quick_503(web_archive, slow_search):
    import time

    from .server import serving

    slow_search("endless", 4)
    with serving(web_archive, time_budget=1.0) as url, httpx.Client(base_url=url) as client:
        started = time.monotonic()
        slow = client.get("/api/search", params={"q": "endless"}, timeout=30)
        took = time.monotonic() - started
        assert slow.status_code == 503 and "longer than 1 s" in slow.json()["error"]
        assert took < 3, took
        assert client.get("/api/search", params={"q": "flood"}).status_code == 200
