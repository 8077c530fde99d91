"""Our own main-text reader for the common layouts: the story's blocks, cleaned in one pass.

Most news pages mark their story's container (``itemprop="articleBody"``, a class such as
``article-body`` or ``entry-content``), or keep most of their paragraphs in one block. For
those, finding it, leaving out the boilerplate inside it (share bars, teasers, captions,
newsletter boxes, hidden blocks, lists of links and their labels) and reading its paragraphs
is all the work; trafilatura runs a dozen XPath passes with regular expressions over the whole
page and takes several times as long. :func:`find_story` says where the story is (or None),
:func:`read` reads it (or None when that gives too little); the cleaner asks trafilatura when
either is unsure, and for a page whose only ``<article>`` is all it has to go on, asks
trafilatura to clean that element alone.

Measured with ``bench/extract.py`` against trafilatura's reading of every page: see
``crawler.extract._main_text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

#: class or id of the element holding the story, most specific first
_BODY_MARKS = [
    re.compile(p) for p in (
        r"(?:^|\s)(?:(?:article|story|entry|post)[-_]?(?:body|content|text)|articleBody|"
        r"article__(?:body|content)|ArticleBody|storyBody)(?:$|\s)",
        r"(?:^|\s)(?:body[-_]text|field-body|text-content|post-entry|content[-_]body)(?:$|\s)",
    )
]
#: class or id of blocks inside a story that are not the story
_DISCARD = re.compile(
    r"share|social|sharing|newsletter|subscribe|signup|sign-up|related|recommend|"
    r"promo|teaser|advert|(?:^|[\s_-])ads?(?:$|[\s_-])|dfp|outbrain|taboola|sponsor|"
    r"comment|disqus|byline|author|caption|credit|pull-?quote|(?:^|[\s_-])tags?(?:$|[\s_-])|tag-list|"
    r"breadcrumb|(?:^|[\s_-])nav|menu|sidebar|footer|(?:^|[\s_-])meta(?:$|[\s_-])|"
    r"timestamp|dateline|(?:^|\s)(?:hidden|hide|noprint|d-none)(?:$|\s)|print|sr-only|"
    r"modal|popup|cookie|"
    r"consent|more-?(?:on|from|stories)|read-?more|most-?(?:read|popular)|embed|"
    r"gallery|slideshow|widget|toolbar|button|rating|infobox|factbox|trending|login|pagination|"
    r"(?:^|[\s_-])(?:rail|next|prev|next-prev)(?:$|[\s_-])",
    re.I,
)
_DROP_TAGS = {"script", "style", "noscript", "form", "button", "nav", "aside", "footer",
              "header", "figure", "figcaption", "iframe", "svg", "template", "select",
              "textarea", "input", "object", "embed", "video", "audio", "canvas", "map",
              "picture", "img", "label", "dialog", "menu"}
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6",
               "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tr", "td",
               "th", "thead", "tbody", "tfoot", "caption", "hr", "address", "center",
               "details", "summary"}
#: marked elements that cannot hold the story (a <meta itemprop="articleBody">, a script)
_NOT_CONTAINERS = {"body", "html", "span", "a", "meta", "link", "head", "title"} | _DROP_TAGS
_HEADINGS = {"h2", "h3", "h4", "h5", "h6"}  # a story's own (ids such as "nav_1" are anchors)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
MIN_WORDS = 80  # less than this and the container may hold a summary: ask trafilatura
MAX_LINK_SHARE = 0.4  # a block whose text is mostly links is a list of other stories
TEASER_LINK_SHARE = 0.75  # a paragraph that is all link: "Read more: ..."
#: a block of paragraphs is the story when it holds this share of the page's paragraph text
PARAGRAPH_SHARE = 0.7
PARAGRAPH_CHARS = 25  # shorter <p>s are labels, dates, captions: not the story's paragraphs
LEDE_LEVELS = 2  # how far up a lede set apart from the story's paragraphs is looked for


@dataclass
class Story:
    """Where a page keeps its story: ``blocks`` in reading order, found ``how``: "marked"
    (``itemprop="articleBody"`` or a class such as ``article-body``), "paragraphs" (the block
    holding most of the page's paragraphs) or "article" (the page's only ``<article>``, which
    holds more than the story: trafilatura cleans it)."""

    blocks: list
    how: str


def find_story(tree, boilerplate: frozenset[str] = frozenset()) -> Story | None:
    """Where ``tree`` keeps its story, or None when no layout rule is sure. ``boilerplate``:
    keys (:func:`crawler.template.line_key`) of lines the site repeats on many pages, which
    are no story's text."""
    itemprop, marks, articles = _scan(tree)
    marked = itemprop or next((m for m in marks if m), [])
    if marked:
        seen = set(marked)
        outer = [el for el in marked if not any(a in seen for a in el.iterancestors())]
        if all(el.tag == "p" for el in outer):  # marked paragraphs: the story is all of them
            return Story(outer, "marked")
        # among several containers (the story and teasers of others), the one with most text
        return Story([max(outer, key=_paragraph_chars)], "marked")
    if len(articles) == 1:
        return Story(articles, "article")
    blocks = _densest(tree)
    if blocks:
        return Story(blocks, "paragraphs")
    container = _text_container(tree, boilerplate)
    return Story([container], "text") if container is not None else None


def _scan(tree) -> tuple[list, list[list], list]:
    """One pass over the page: its ``itemprop="articleBody"`` elements, its elements whose
    class or id is one of each of ``_BODY_MARKS``, and its ``<article>`` elements. (One pass
    in Python costs about half of an XPath query apiece: ~2.4 against ~4.7 ms median on 200
    pages of the bench.)"""
    itemprop: list = []
    marks: list[list] = [[] for _ in _BODY_MARKS]
    articles: list = []
    for el in tree.iter(etree.Element):
        tag = el.tag
        if tag == "article":
            articles.append(el)
        elif tag in _NOT_CONTAINERS:
            continue
        if el.get("itemprop") == "articleBody":
            itemprop.append(el)
        for value in (el.get("class"), el.get("id")):
            if value and ("ody" in value or "ontent" in value or "ext" in value or "ntry" in value):
                for found, pattern in zip(marks, _BODY_MARKS):
                    if pattern.search(value):
                        found.append(el)
                        break
                else:
                    continue
                break
    return itemprop, marks, articles


def read(story: Story) -> str | None:
    """The text of ``story``'s blocks, a paragraph a line, boilerplate inside them left out;
    None when that is too little to be sure it is the story. Does not change the tree."""
    lines: list[str] = []
    for block in story.blocks:
        lines.append(block.text or "")
        _read(block, lines)
        lines.append("")
    text = "\n".join(_lines(lines))
    if story.how == "text":  # chosen by its running text against the rest: any length
        return text if text else None
    return text if len(text.split()) >= MIN_WORDS else None


_DROPPED = "\x00"  # where a block of links or boilerplate was left out
_INVISIBLE = dict.fromkeys(map(ord, "\xad\u200b\u200c\u200d\ufeff"))
_LABEL_CHARS = 60


def _lines(raw: list[str]) -> list[str]:
    """The non-empty lines, spaces collapsed, without the label of a block left out ("More on
    this topic:" before a list of links) or a label ending the text."""
    out: list[str] = []
    for line in raw:
        if line == _DROPPED:
            if out and _is_label(out[-1]):
                out.pop()
            continue
        line = " ".join(line.translate(_INVISIBLE).split())
        if line:
            out.append(line)
    while out and _is_label(out[-1]) and out[-1].endswith(":"):
        out.pop()
    return out


def _is_label(line: str) -> bool:
    return len(line) <= _LABEL_CHARS and not line.endswith((".", "!", "?", "\u201d", '"'))


def _densest(tree) -> list:
    """The element whose paragraphs hold most of the page's paragraph text (outside its
    navigation, sidebars, footers and boxes of teasers), when one holds ``PARAGRAPH_SHARE`` of
    it, after the blocks of paragraphs just before it: a lede set apart."""
    direct: dict = {}
    within: dict = {}
    total = 0
    for p in tree.iter("p"):
        n = len(p.text_content().strip())
        if n < PARAGRAPH_CHARS:
            continue
        ancestors = list(p.iterancestors())
        if any(_region(a) for a in ancestors):
            continue  # an author's bio, a teaser card, a footer: not the story's
        total += n
        parent = p.getparent()
        if parent is None:
            continue
        direct[parent] = direct.get(parent, 0) + n
        for a in ancestors:
            within[a] = within.get(a, 0) + n
    if not direct:
        return []
    best = max(direct, key=lambda key: direct[key])
    if direct[best] < PARAGRAPH_SHARE * total:
        return []
    # the blocks of paragraphs just before it (a lede set apart), beside it or beside the
    # blocks that hold it, up to a block of text without paragraphs (the headline)
    out = [best]
    node = best
    for _ in range(LEDE_LEVELS):
        for sib in node.itersiblings(preceding=True):
            if _skip(sib):  # an image, a share bar between them
                continue
            if not within.get(sib):
                if len(sib.text_content().strip()) < PARAGRAPH_CHARS:
                    continue
                return out
            out.insert(0, sib)
        node = node.getparent()
        if node is None or node.tag in ("body", "html"):
            break
    return out


#: a text block holding this many times the text of any other is the story, whatever its length
TEXT_DOMINANCE = 2.0
#: a line of more words than this is running text even without a full stop
SENTENCE_WORDS = 12
_REGION_TAGS = _DROP_TAGS - {"img", "picture", "label", "input", "select", "textarea"}


def _text_container(tree, boilerplate: frozenset[str]):
    """For pages without ``<p>``s: the block whose own running text (its sentences, not its
    links', not its block children's) holds ``PARAGRAPH_SHARE`` of the page's, or
    ``TEXT_DOMINANCE`` times any other block's. A block's text counts for its parent
    (paragraphs in ``<div>``s), or for itself when ``<br>``s split it into paragraphs (a
    ``<td>`` of ``<font>`` and ``<br><br>``). Headlines, bylines and labels are no sentences;
    navigation, sidebars, footers and the site's repeated lines don't count."""
    from .template import is_boilerplate_line, is_sentence

    body = tree.find("body")
    if body is None:
        return None
    credit: dict = {}
    total = 0
    stack = [body]
    while stack:
        el = stack.pop()
        for child in el:
            if not isinstance(child.tag, str) or child.tag not in _BLOCK_TAGS or _region(child):
                continue
            stack.append(child)
            parts: list[str] = []
            breaks = _inline_text(child, parts)
            size = 0
            for line in "".join(parts).split(_BREAK):
                line = " ".join(line.split())
                if len(line) < PARAGRAPH_CHARS:
                    continue
                if not is_sentence(line) and len(line.split()) <= SENTENCE_WORDS:
                    continue
                if boilerplate and is_boilerplate_line(line, boilerplate):
                    continue
                size += len(line)
            if size:
                owner = child if breaks >= 2 else el
                credit[owner] = credit.get(owner, 0) + size
                total += size
    if not credit:
        return None
    ranked = sorted(credit.items(), key=lambda kv: -kv[1])
    best, size = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    if size < PARAGRAPH_SHARE * total and size < TEXT_DOMINANCE * second:
        return None
    if _paragraph_chars(best) > size / 4:
        return None  # a story in <p>s that _densest found no block for: trafilatura's
    return best


def _marks(el) -> str:
    """``el``'s class and id, without the root a framework names for itself (Next.js's
    ``__next`` is no "next story" link)."""
    return f"{el.get('class') or ''} {el.get('id') or ''}".replace("__next", "")


_NO_TEXT = frozenset(("script", "style", "noscript", "template", "svg", "select", "textarea",
                      "iframe", "object"))


def page_lines(tree) -> list[str]:
    """Every line of the page's own text, block by block (split at ``<br>``s), sidebars and
    footers included: what a site's pages are compared by to learn its template."""
    body = tree.find("body")
    if body is None:
        return []
    out: list[str] = []
    stack = [body]
    while stack:
        el = stack.pop()
        for child in el:
            if not isinstance(child.tag, str) or child.tag in _NO_TEXT:
                continue
            if child.tag not in _BLOCK_TAGS and child.tag not in _REGION_TAGS:
                continue
            stack.append(child)
            parts: list[str] = []
            _inline_text(child, parts)
            for line in "".join(parts).split(_BREAK):
                line = " ".join(line.split())
                if line:
                    out.append(line)
    return out


def _region(el) -> bool:
    """``el`` is navigation, a sidebar, a footer or a hidden block: no story text in it."""
    if el.tag in _REGION_TAGS or el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    marks = _marks(el)
    return bool(marks.strip()) and el.tag not in _HEADINGS and bool(_DISCARD.search(marks))


_BREAK = "\x00"  # where a <br> split a block's text


def _inline_text(el, parts: list[str]) -> int:
    """Append ``el``'s own text (its inline children's, not its links' nor its blocks') to
    ``parts``; the number of ``<br>``s in it."""
    breaks = 0
    if el.text:
        parts.append(el.text)
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag not in _BLOCK_TAGS and tag not in _REGION_TAGS:
            if tag == "br":
                breaks += 1
                parts.append(_BREAK)
            elif tag != "a":
                breaks += _inline_text(child, parts)
        if child.tail:
            parts.append(child.tail)
    return breaks


def _paragraph_chars(el) -> int:
    return sum(len(p.text_content()) for p in el.iter("p"))


def _skip(el) -> bool:
    tag = el.tag
    if not isinstance(tag, str) or tag in _DROP_TAGS:
        return True
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    marks = _marks(el)
    if marks.strip() and tag not in _HEADINGS and _DISCARD.search(marks) \
            and el.get("itemprop") != "articleBody":
        return True
    if tag in ("ul", "ol", "div", "section", "table") and _link_share(el) > MAX_LINK_SHARE:
        return True
    if tag == "p" and len(el) and _link_share(el) > TEASER_LINK_SHARE:
        return True
    return False


def _has_text(el) -> bool:
    return any(t.strip() for t in el.itertext())


def _link_share(el) -> float:
    total = len(el.text_content().strip())
    if not total:
        return 0.0
    linked = sum(len(a.text_content().strip()) for a in el.iter("a"))
    return linked / total


def _read(el, lines: list[str]) -> None:
    """Append ``el``'s text to ``lines``, a block element starting a new line."""
    for child in el:
        if _skip(child):
            if isinstance(child.tag, str) and child.tag in _BLOCK_TAGS and _has_text(child):
                lines.append(_DROPPED)
                lines.append("")
            if child.tail:
                _add(lines, child.tail)
            continue
        tag = child.tag
        if tag in _BLOCK_TAGS:
            lines.append("")
            if child.text:
                _add(lines, child.text)
            _read(child, lines)
            lines.append("")
        elif tag == "br":
            lines.append("")
        else:
            if child.text:
                _add(lines, child.text)
            _read(child, lines)
        if child.tail:
            _add(lines, child.tail)


def _add(lines: list[str], text: str) -> None:
    if not lines:
        lines.append("")
    lines[-1] += text
