from crawler.robots import rules_from_response

UA = "newsarchive/0.1"


def test_disallow_allow_and_crawl_delay():
    rules = rules_from_response(200, "User-agent: *\nDisallow: /private/\nAllow: /private/ok.html\n"
                                     "Crawl-delay: 2\nSitemap: http://h/sm.xml\n")
    assert not rules.allowed("http://h/private/x.html", UA)
    assert rules.allowed("http://h/private/ok.html", UA)
    assert rules.allowed("http://h/news/x.html", UA)
    assert rules.crawl_delay(UA) == 2.0
    assert rules.sitemaps == ["http://h/sm.xml"]


def test_rfc9309_unavailable_robots_means_disallow_all():
    for rules in (rules_from_response(503, "x"), rules_from_response(None, None, "timeout")):
        assert rules.status == "unavailable"
        assert not rules.allowed("http://h/", UA)


def test_rfc9309_missing_robots_means_allow_all():
    for status in (404, 403, 410):
        assert rules_from_response(status, "").allowed("http://h/anything", UA)
