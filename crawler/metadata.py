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
            if best is None or len(str(node.get("articleBody", ""))) > len(str(best.get("articleBody", ""))):
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
    ' | //*[contains(@id,"breadcrumb")] | //*[@aria-label="breadcrumb" or @aria-label="Breadcrumb"]')


def html_breadcrumbs(tree) -> list[str]:
    nodes = _BREADCRUMBS(tree)
    for node in nodes:
        items = [re.sub(r"\s+", " ", a.text_content()).strip() for a in node.iter("a")]
        items = [i for i in items if i and len(i) < 60]
        if items:
            return items
    return []


def byline_authors(tree) -> list[str]:
    found: list[str] = []
    for el in tree.xpath('//*[@rel="author" or @itemprop="author" or contains(@class,"byline__name")'
                         ' or contains(@class,"author-name") or contains(@class,"author__name")]'):
        text = re.sub(r"\s+", " ", el.text_content()).strip()
        if text and len(text) < 80:
            found.append(text)
        if len(found) >= 5:
            break
    return found
