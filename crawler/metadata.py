"""Page metadata: JSON-LD, Open Graph / meta tags, microdata, breadcrumbs, bylines.

Everything here reads an lxml tree and returns plain values; :mod:`crawler.extract`
decides between them.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from lxml import etree

ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
                 "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle",
                 "blogposting", "socialmediaposting", "liveblogposting", "scholarlyarticle",
                 "techarticle", "report", "satiricalarticle", "advertisercontentarticle",
                 "askpublicnewsarticle", "posting"}


def _types(node: dict) -> set[str]:
    t = node.get("@type")
    if isinstance(t, str):
        return {t.lower().rsplit("/", 1)[-1]}
    if isinstance(t, list):
        return {str(x).lower().rsplit("/", 1)[-1] for x in t}
    return set()


def _walk(obj: Any) -> Iterator[dict]:
    if isinstance(obj, list):
        for item in obj:
            yield from _walk(item)
    elif isinstance(obj, dict):
        yield obj
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart"):
            if key in obj:
                yield from _walk(obj[key])


def jsonld_nodes(tree) -> list[dict]:
    """All JSON-LD objects in the page (``@graph`` flattened). Broken JSON is skipped."""
    nodes: list[dict] = []
    for script in tree.iter("script"):
        if script.get("type") not in ("application/ld+json", "application/json+ld"):
            continue
        text = (script.text or "").strip()
        if not text:
            continue
        # trailing commas and HTML comments are common in the wild
        text = re.sub(r"^\s*<!--|-->\s*$", "", text)
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            try:
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", text), strict=False)
            except ValueError:
                continue
        nodes.extend(_walk(data))
    return nodes


def jsonld_article(nodes: list[dict]) -> dict | None:
    """The page's Article/NewsArticle object, preferring the one with the most content."""
    best = None
    for node in nodes:
        if _types(node) & ARTICLE_TYPES:
            if best is None or (len(str(node.get("articleBody", "")))
                                > len(str(best.get("articleBody", "")))):
                best = node
    return best


def jsonld_breadcrumbs(nodes: list[dict]) -> list[str]:
    for node in nodes:
        if "breadcrumblist" in _types(node):
            items = node.get("itemListElement") or []
            names = []
            for item in sorted((i for i in items if isinstance(i, dict)),
                               key=lambda i: _int(i.get("position"))):
                name = item.get("name")
                if not name and isinstance(item.get("item"), dict):
                    name = item["item"].get("name")
                if isinstance(name, str) and name.strip():
                    names.append(name.strip())
            return names
    return []


def _int(v: Any) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def names(value: Any) -> list[str]:
    """Names out of a JSON-LD person/organisation/thing or list of them."""
    out: list[str] = []
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str):
            out.append(name)
        elif isinstance(name, list):
            out.extend(n for n in name if isinstance(n, str))
    elif isinstance(value, list):
        for v in value:
            out.extend(names(v))
    return [re.sub(r"\s+", " ", n).strip() for n in out if n and n.strip()]


def meta_tags(tree) -> dict[str, list[str]]:
    """``name``/``property``/``itemprop``/``http-equiv`` (lower-cased) -> contents, in order."""
    out: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if key and content is not None and content.strip():
            out.setdefault(key.strip().lower(), []).append(content.strip())
    return out


def first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        values = meta.get(key)
        if values:
            return values[0]
    return None


def link_href(tree, rel: str) -> str | None:
    for el in tree.iter("link"):
        rels = (el.get("rel") or "").lower().split()
        if rel in rels and el.get("href"):
            return el.get("href").strip()
    return None


_BREADCRUMBS = etree.XPath(
    '//*[@class][contains(@class,"readcrumb") or contains(@class,"readCrumb")'
    ' or contains(@class,"READCRUMB")]'
    ' | //*[contains(@id,"breadcrumb")]'
    ' | //*[@aria-label="breadcrumb" or @aria-label="Breadcrumb"]')


def html_breadcrumbs(tree) -> list[str]:
    nodes = _BREADCRUMBS(tree)
    for node in nodes:
        items = [re.sub(r"\s+", " ", a.text_content()).strip() for a in node.iter("a")]
        items = [i for i in items if i and len(i) < 60]
        if items:
            return items
    return []


# Where a page names its author: our own marks first (``rel="author"``, ``itemprop="author"``,
# ``author-name``), then trafilatura 2.3's AUTHOR_XPATHS (trafilatura/xpaths.py) in their order
# of trust; and where a name is not the article's (comments, sidebars, dates, figures: its
# AUTHOR_DISCARD_XPATHS). One pass in Python over the elements finds them: trafilatura's XPath
# expressions took ~10 ms a page (median), the pass about 2.
_MARKED_CLASS = re.compile(r"byline__name|author-name|author__name")
_T1_TAGS = frozenset(("a", "address", "div", "link", "p", "span", "strong"))
_T1_CLASS = re.compile(r"author-?name|AuthorName|authorName")
_T2_TAGS = frozenset(("a", "div", "h3", "h4", "p", "span"))
_T2_CLASSES = frozenset(("byline", "username", "byl", "BBL"))
_T2_ID = re.compile(r"author|zuozhe|bianji|xiaobian")
_T2_CLASS = re.compile(r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by"
                       r"|journalist-name")
_T3_ID = re.compile(r"[Aa]uthor")
_T3_CLASS = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")
#: a quick first look: the words of the tests above, one of which a class or id must hold
_KEYWORDS = re.compile(r"uthor|yline|writer|screenname|username|byl|BBL|channel-name|zuozhe|"
                       r"bianji|xiaobian|submitted-by|posted-by|journalist-name")
_DISCARD_TAGS = frozenset(("a", "div", "section", "span"))
_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|"
                            r"embedly-instagram|article-(?:share|support)|print|category|meta-date|"
                            r"meta-reviewer")


def _author_tier(el) -> int | None:
    """How much an element's marks say it holds the author's name (0: most), or None."""
    get = el.get
    cls, id_, rel, itemprop = get("class") or "", get("id") or "", get("rel"), get("itemprop") or ""
    if rel == "author" or itemprop == "author" or _MARKED_CLASS.search(cls):
        return 0
    testid, component = get("data-testid"), get("data-component") or ""
    if not (itemprop or testid or component or el.tag == "author"
            or _KEYWORDS.search(cls) or _KEYWORDS.search(id_)):
        return None
    tag = el.tag
    if tag == "author" or tag in _T1_TAGS and (
            id_ == "author" or cls == "author" or itemprop == "author name"
            or testid in ("AuthorCard", "AuthorURL") or _T1_CLASS.search(cls)):
        return 1
    if tag in _T2_TAGS and (cls in _T2_CLASSES or "author" in itemprop or _T2_ID.search(id_)
                            or _T2_CLASS.search(cls)):
        return 2
    if "Byline" in component or "author" in itemprop or _T3_ID.search(id_) or _T3_CLASS.search(cls):
        return 3
    return None


def _discarded(el) -> bool:
    """``el`` holds no byline of the article's: comments, a sidebar, a date, a figure…"""
    tag = el.tag
    if tag in ("time", "figure"):
        return True
    if tag not in _DISCARD_TAGS:
        return False
    cls, id_ = el.get("class") or "", el.get("id") or ""
    return (id_ == "comments" or cls in ("comments", "title", "date")
            or bool(_DISCARD_ID.search(id_)) or bool(_DISCARD_CLASS.search(cls))
            or "Figure" in (el.get("data-component") or ""))


def byline_authors(tree) -> list[str]:
    """The author a page names in its byline: the first element with a name-sized text among
    those marked as holding it, the best-marked first. Our own marks count anywhere;
    trafilatura's not inside comments, sidebars and the like."""
    candidates: list[tuple[int, int, Any]] = []
    for el in tree.iter(etree.Element):
        if el.attrib or el.tag == "author":
            tier = _author_tier(el)
            if tier is not None:
                candidates.append((tier, len(candidates), el))
    for tier, _, el in sorted(candidates, key=lambda c: c[:2]):
        if tier and (_discarded(el) or any(_discarded(a) for a in el.iterancestors())):
            continue
        text = " ".join(_text_outside(el).split())
        if 2 < len(text) < 120:
            return [text]
    return []


def _text_outside(el) -> str:
    """``el``'s text without that of its descendants that :func:`_discarded` leaves out."""
    parts, skipping = [], None
    for event, node in etree.iterwalk(el, events=("start", "end", "comment", "pi")):
        if event == "start":
            if skipping is None and node is not el and _discarded(node):
                skipping = node
            if skipping is None and node.text and isinstance(node.tag, str):
                parts.append(node.text)
        else:  # the end of an element, or a comment
            if node is skipping:
                skipping = None
            if skipping is None and node is not el and node.tail:
                parts.append(node.tail)
    return " ".join(parts)
