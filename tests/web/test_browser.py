"""The pages in a real headless Chromium (Debian's, driven by Playwright): what a reader and
an editor do. Screenshots go to ``test-artifacts/`` (or $NEWSARCHIVE_ARTIFACTS)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from .conftest import XSS_TITLE

CHROMIUM = os.environ.get("NEWSARCHIVE_CHROMIUM") or shutil.which("chromium") \
    or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("NEWSARCHIVE_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "test-artifacts"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="the browser tests drive Chromium with Playwright: pip install -e '.[test]'")
if not CHROMIUM:
    pytest.skip("no Chromium: apt-get install chromium (or set NEWSARCHIVE_CHROMIUM)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser(base_url):
    # after base_url: the archive is crawled (asyncio.run) before Playwright's loop starts
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 1200, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_search_facet_article_and_related(page):
    page.goto("/")
    page.fill("input[name=q]", "rates")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("li.hit")
    assert "q=rates" in page.url
    total = page.inner_text("#total")
    assert re.match(r"\d+ stor", total)
    assert page.locator("li.hit mark").count() >= 1  # highlighted matches
    assert page.locator("figure.chart rect").count() >= 1  # matches over time
    shot(page, "search")
    facet = page.locator("#facet-topics a", has_text="economy")
    facet.click()
    page.wait_for_url(re.compile(r"topic=economy"))
    metas = page.locator("li.hit p.meta").all_inner_texts()
    assert metas and all("economy" in m for m in metas)  # the facet filtered
    shot(page, "search-facet")
    page.locator("li.hit h3 a").first.click()
    page.wait_for_url(re.compile(r"/articles/\d+$"))
    assert "interest rate" in page.inner_text("article.story h1").lower()
    assert "from " in page.inner_text("#published")  # the date's provenance
    related = page.locator("#related li")
    assert related.count() >= 1
    assert "shares:" in related.first.inner_text()
    shot(page, "article")
    page.go_back()
    assert "topic=economy" in page.url  # the state lives in the URL


def test_month_facet_and_paging_stay_in_the_url(page):
    page.goto("/?from=2024&limit=2")  # no words: every story of 2024
    assert page.locator("li.hit").count() == 2
    page.locator("nav.pages a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("ol.hits").get_attribute("start") == "3"
    page.locator("#facet-months a").first.click()
    page.wait_for_url(re.compile(r"from=\d{4}-\d\d&limit=2&to=\d{4}-\d\d"))
    assert "page=" not in page.url  # a new filter starts again at page 1


def test_editor_paste_a_draft_and_copy_links(page):
    page.goto("/editor")
    page.fill("#draft", "Heavy rain is forecast again. The river barriers held last time, but "
                        "villages near the valley may be evacuated if the flood returns.")
    page.click("form.editor button[type=submit]")
    page.wait_for_selector("#suggestions")
    first = page.locator("li.suggestion").first
    assert "flood" in first.locator("a").first.get_attribute("href") or \
        "Flood" in first.inner_text()
    assert "shares:" in first.inner_text()
    shot(page, "editor")
    first.get_by_role("button", name="Copy Markdown").click()
    page.locator('.copy-btn[data-copied]').first.wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(r"\[Flood defences hold[^\]]*\]\(http://127\.0\.0\.1:\d+/.+\.html\)",
                        copied), copied
    assert page.input_value("#links-md").startswith("- [")


def test_hostile_story_renders_as_text(page):
    page.goto("/?q=tariffs")
    link = page.locator("li.hit h3 a", has_text="Reader letter")
    assert link.inner_text().startswith(XSS_TITLE)
    link.click()
    page.wait_for_url(re.compile(r"/articles/\d+$"))
    assert page.inner_text("article.story h1") == XSS_TITLE
    assert "<img src=x" in page.inner_text("article.story .body")
    assert page.evaluate("window.__xss") is None  # no injected script ran
    shot(page, "hostile-story")


def test_core_search_works_without_javascript(browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    pg = context.new_page()
    pg.goto("/")
    pg.fill("input[name=q]", "vaccine")
    pg.click("form.search button[type=submit]")
    pg.wait_for_selector("li.hit")
    assert "malaria" in pg.inner_text("li.hit h3").lower()
    context.close()
