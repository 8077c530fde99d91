"""How each layout of the many-layout test site writes a story page and a listing page.

Nine layouts, as news sites of their eras wrote them: a 1990s table page (``<font>``, ``<br>``
paragraphs, a "MOST READ" column, windows-1252), a 2000s blog theme, "div soup" with hashed
class names, modern semantic markup with JSON-LD, AMP, a print view, and German, French and
Vietnamese sites with their own date formats. Each has the chrome real sites wrap stories in:
navigation, sidebars that change from page to page, "See also", bylines, footers and a site
name in the ``<title>``.
"""

from __future__ import annotations

import html
import json
import random
from datetime import date

from .site_stories import SiteStory

SITE_NAMES = {
    "table1990": "The Daily Ledger", "blog2000": "Ledger Blog", "divsoup": "LEDGER",
    "semantic": "The Ledger", "amp": "The Ledger", "print": "The Ledger",
    "german": "Der Anzeiger", "french": "Le Courrier", "vietnamese": "Báo Tin Tức",
    "wire": "Wire Archive", "spanish": "El Diario del Sur", "magazine": "Longform Weekly",
}
_EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
_FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"]
_ES_MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre"]
_EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_VI_DAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def ascii_slug(text: str) -> str:
    from .site_stories import _slug

    return _slug(text)


def story_path(s: SiteStory) -> str:
    """Where each layout keeps a story: dated paths, slugs, ids, or no date at all."""
    y, m, d = s.day.year, s.day.month, s.day.day
    return {
        "table1990": f"/news/{y}/{m:02d}{d:02d}/story{s.id}.html",
        "blog2000": f"/{y}/{m:02d}/{s.slug}/",
        "divsoup": f"/a/{s.id:x}-{s.slug}",
        "semantic": f"/{s.section}/{y}/{m:02d}/{d:02d}/{s.slug}",
        "amp": f"/amp/{s.slug}-{s.id}.amp.html",
        "print": f"/print/story{s.id}.htm",
        "german": f"/{ascii_slug(s.section)}/{s.slug}-{s.id}.html",
        "french": f"/{y}/{m:02d}/{d:02d}/{s.slug}_{s.id}.html",
        "vietnamese": f"/{s.slug}-{s.id}.html",
        "wire": f"/wire/{y}/{s.id}.txt.html",
        "spanish": f"/noticias/{ascii_slug(s.section)}/{s.slug}-n{s.id}",
        "magazine": f"/features/{s.slug}",
    }[s.layout]


def shown_date(layout: str, day: date) -> str:
    """The date as each layout prints it for readers."""
    y, m, d = day.year, day.month, day.day
    wd = day.weekday()
    if layout == "table1990":
        return f"{_EN_DAYS[wd]}, {_EN_MONTHS[m - 1]} {d}, {y}"
    if layout == "blog2000":
        suffix = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
        return f"{_EN_MONTHS[m - 1]} {d}{suffix}, {y}"
    if layout == "divsoup":
        return f"{d} {_EN_MONTHS[m - 1][:3]} {y} · 09:30"
    if layout == "german":
        return f"{d:02d}.{m:02d}.{y}, 09:30 Uhr"
    if layout == "french":
        return f"{d} {_FR_MONTHS[m - 1]} {y} à 09h30"
    if layout == "vietnamese":
        return f"{_VI_DAYS[wd]}, {d}/{m}/{y}, 09:30 (GMT+7)"
    if layout == "wire":
        return f"{d:02d}-{_EN_MONTHS[m - 1][:3].upper()}-{y} 09:30:12.34"
    if layout == "spanish":
        return f"{d} de {_ES_MONTHS[m - 1]} de {y}"
    if layout == "magazine":
        return f"{d}.{m}.{y}"
    return f"{_EN_MONTHS[m - 1]} {d}, {y}"


def _jsonld(s: SiteStory, url: str) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": s.title,
            "datePublished": f"{s.day.isoformat()}T09:30:00Z", "url": url,
            "author": {"@type": "Person", "name": s.author}, "articleSection": s.section,
            "keywords": ", ".join(s.topics),
            "publisher": {"@type": "Organization", "name": SITE_NAMES[s.layout]}}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _links(items: list[tuple[str, str]], sep: str = "<br>") -> str:
    return sep.join(f'<a href="{esc(p)}">{esc(t)}</a>' for p, t in items)


def story_page(s: SiteStory, base: str, others: list[SiteStory], rng: random.Random) -> str:
    """The page of story ``s``; ``others`` fill its sidebars ("MOST READ", "See also")."""
    url = base + story_path(s)
    most = [(story_path(o), o.title) for o in rng.sample(others, min(5, len(others)))]
    see = most[0]
    return _RENDER[s.layout](s, url, most, see)


def _table1990(s, url, most, see):
    paras = "<br><br>\n".join(esc(p) for p in s.paragraphs)
    topics = ", ".join(f'<a href="/topic/table1990/{ascii_slug(t)}">{esc(t)}</a>'
                       for t in s.topics)
    years = "<br>".join(f'<a href="/section/table1990/?year={y}">{y}</a>'
                        for y in range(1990, 2000))
    return f"""<html><head><title>{esc(s.title)} - The Daily Ledger</title>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head>
<body bgcolor="#ffffff" link="#000099"><table width="100%" border="0" cellpadding="4">
<tr><td colspan="3"><img src="/img/ledger.gif" alt="The Daily Ledger" width="400"><br>
<font size="1"><a href="/">Home</a> | <a href="/section/table1990/">News</a> |
<a href="/section/blog2000/">Blog</a> | <a href="/about.html">About Us</a></font></td></tr>
<tr><td width="140" valign="top" bgcolor="#eeeeee"><font size="2"><b>ARCHIVES</b><br>{years}
</font></td>
<td valign="top"><font face="Times New Roman" size="5"><b>{esc(s.title)}</b></font><br>
<font size="2">By {esc(s.author)}, Staff Writer<br>{shown_date("table1990", s.day)}</font>
<br><br>
<font face="Times New Roman" size="3">{paras}</font><br><br>
<font size="2">Filed under: {topics}</font><br>
<font size="2"><a href="/print/story{s.id}.htm">Printer-friendly version</a></font><br>
<font size="2">See also: <a href="{esc(see[0])}">{esc(see[1])}</a></font>
</td>
<td width="180" valign="top"><font size="2"><b>MOST READ</b><br>{_links(most)}</font></td></tr>
<tr><td colspan="3" align="center"><font size="1">Copyright 1998 The Daily Ledger.
All rights reserved. Reproduction without permission is prohibited.</font></td></tr>
</table></body></html>"""


def _blog2000(s, url, most, see):
    paras = "\n".join(f"<p>{esc(p)}</p>" for p in s.paragraphs)
    tags = ", ".join(f'<a href="/tag/{ascii_slug(t)}/" rel="tag">{esc(t)}</a>' for t in s.topics)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Ledger Blog &raquo; {esc(s.title)}</title>
<meta name="generator" content="WordPress 2.3.1" /></head>
<body><div id="page"><div id="header"><h1><a href="/">Ledger Blog</a></h1>
<div class="description">Notes from the newsroom since 2003</div></div>
<div id="content" class="narrowcolumn"><div class="navigation"><div class="alignleft">
<a href="{esc(see[0])}">&laquo; {esc(see[1])}</a></div></div>
<div class="post" id="post-{s.id}"><h2><a href="{url}" rel="bookmark">{esc(s.title)}</a></h2>
<small>Posted on {shown_date("blog2000", s.day)} by {esc(s.author)}</small>
<div class="entry">{paras}</div>
<p class="postmetadata">Tags: {tags}<br /> Posted in <a href="/category/{ascii_slug(s.section)}/"
rel="category tag">{esc(s.section)}</a> | <a href="{url}#respond">No Comments &#187;</a></p>
</div><h3 id="respond">Leave a Reply</h3><form action="/wp-comments-post.php" method="post">
<p><input type="text" name="author" /> <label>Name (required)</label></p></form></div>
<div id="sidebar"><ul><li><h2>Recent Posts</h2><ul>
{"".join(f'<li><a href="{esc(p)}">{esc(t)}</a></li>' for p, t in most)}</ul></li>
<li><h2>Archives</h2><ul><li><a href="/2004/05/">May 2004</a></li>
<li><a href="/2004/04/">April 2004</a></li></ul></li></ul></div>
<div id="footer"><p>Ledger Blog is proudly powered by WordPress. Entries (RSS) and Comments
(RSS).</p></div></div></body></html>"""


def _divsoup(s, url, most, see):
    paras = "".join(f'<div class="css-7hq2ta">{esc(p)}</div>' for p in s.paragraphs)
    topics = " · ".join(f'<a class="css-1kd9x0" href="/t/{ascii_slug(t)}">{esc(t)}</a>'
                        for t in s.topics)
    trend = "".join(f'<div class="css-0p3m2z"><a class="css-y8r1t2" href="{esc(p)}">{esc(t)}</a>'
                    f'</div>' for p, t in most)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{esc(s.title)} | LEDGER</title>
<meta name="viewport" content="width=device-width"></head><body><div id="__next">
<div class="css-1x2y3z"><div class="css-a9f3k1"><a class="css-lg0000" href="/">LEDGER</a>
<div class="css-nv8812"><a href="/section/divsoup/">Latest</a><a href="/section/semantic/">World</a>
<a href="/subscribe">Subscribe</a></div></div>
<div class="css-m41n2b"><div class="css-q7w8e9"><div class="css-h3d4l1">{esc(s.title)}</div>
<div class="css-b7y1ln">By {esc(s.author)} · {shown_date("divsoup", s.day)}</div>
<div class="css-bd00x1">{paras}</div>
<div class="css-tp9q1r">Topics: {topics}</div></div>
<div class="css-r41l7k"><div class="css-hd2k3m">Trending now</div>{trend}</div></div>
<div class="css-f00t3r">© 2024 Ledger Media Group. All rights reserved. Privacy · Terms</div>
</div></div></body></html>"""


def _semantic(s, url, most, see):
    paras = "\n".join(f"<p>{esc(p)}</p>" for p in s.paragraphs)
    tags = "".join(f'<li><a href="/tags/{ascii_slug(t)}">{esc(t)}</a></li>' for t in s.topics)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{esc(s.title)} | The Ledger</title><link rel="canonical" href="{url}">
<meta property="og:type" content="article"><meta property="og:title" content="{esc(s.title)}">
<meta property="og:site_name" content="The Ledger">
<meta property="article:published_time" content="{s.day.isoformat()}T09:30:00Z">
{_jsonld(s, url)}</head><body>
<header><a class="logo" href="/">The Ledger</a><nav><a href="/section/semantic/">World</a>
<a href="/section/amp/">Mobile</a><a href="/subscribe">Subscribe</a></nav></header>
<main><article><h1>{esc(s.title)}</h1>
<p class="byline">By <a rel="author" href="/people/{ascii_slug(s.author)}">{esc(s.author)}</a>
<time datetime="{s.day.isoformat()}T09:30:00Z">{shown_date("semantic", s.day)}</time></p>
<div class="article-body">{paras}</div>
<ul class="tags">{tags}</ul></article>
<aside class="related"><h2>More from The Ledger</h2><ul>
{"".join(f'<li><a href="{esc(p)}">{esc(t)}</a></li>' for p, t in most)}</ul></aside></main>
<footer><p>© The Ledger. All rights reserved.</p></footer></body></html>"""


def _amp(s, url, most, see):
    paras = "\n".join(f"<p>{esc(p)}</p>" for p in s.paragraphs)
    return f"""<!doctype html><html amp lang="en"><head><meta charset="utf-8">
<title>{esc(s.title)} – The Ledger</title><link rel="canonical" href="{url}">
<meta name="viewport" content="width=device-width,minimum-scale=1">
<style amp-boilerplate>body{{visibility:hidden}}</style>
<script async src="https://cdn.ampproject.org/v0.js"></script>{_jsonld(s, url)}</head>
<body><header class="amp-wp-header"><div><a href="/">The Ledger</a></div></header>
<article class="amp-wp-article"><header class="amp-wp-article-header">
<h1 class="amp-wp-title">{esc(s.title)}</h1><div class="amp-wp-meta amp-wp-byline">
<span class="amp-wp-author">{esc(s.author)}</span></div><div class="amp-wp-meta amp-wp-posted-on">
<time datetime="{s.day.isoformat()}T09:30:00Z">{shown_date("amp", s.day)}</time></div></header>
<div class="amp-wp-article-content">{paras}</div>
<footer class="amp-wp-article-footer"><div class="amp-wp-meta amp-wp-tax-tag">Tags:
{", ".join(f'<a href="/tags/{ascii_slug(t)}">{esc(t)}</a>' for t in s.topics)}</div>
<amp-social-share type="twitter"></amp-social-share></footer></article>
<footer class="amp-wp-footer"><p>© The Ledger</p><a href="#top" class="back-to-top">Back to top</a>
</footer></body></html>"""


def _print(s, url, most, see):
    paras = "\n".join(f"<p>{esc(p)}</p>" for p in s.paragraphs)
    return f"""<html><head><title>The Ledger: {esc(s.title)}</title>
<meta name="robots" content="noindex"><style>body{{font-family:serif}}</style></head>
<body onload="window.print()"><div class="print-logo">The Ledger - printer friendly edition</div>
<h2>{esc(s.title)}</h2><div>Published: {shown_date("print", s.day)}<br>By {esc(s.author)}</div>
<hr>{paras}<hr><div>Printed from www.theledger.example. Copyright The Ledger. Do not
redistribute.</div><a href="javascript:window.close()">Close window</a></body></html>"""


def _german(s, url, most, see):
    paras = "\n".join(f"<p>{esc(p)}</p>" for p in s.paragraphs)
    tags = ", ".join(f'<a href="/thema/{ascii_slug(t)}">{esc(t)}</a>' for t in s.topics)
    return f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>{esc(s.title)} - Der Anzeiger</title></head><body>
<div id="kopf"><a href="/">Der Anzeiger</a> <a href="/section/german/">Nachrichten</a>
<a href="/abo">Abo</a></div>
<div class="brotkrumen"><a href="/">Startseite</a> › <a href="/section/german/">{esc(s.section)}</a></div>
<div id="inhalt"><h1>{esc(s.title)}</h1>
<div class="autor">Von {esc(s.author)} | Veröffentlicht am {shown_date("german", s.day)}</div>
<div class="text">{paras}</div>
<div class="schlagworte">Schlagworte: {tags}</div>
<div class="lesetipps"><h3>Das könnte Sie auch interessieren</h3>
{"".join(f'<p><a href="{esc(p)}">{esc(t)}</a></p>' for p, t in most)}</div></div>
<div id="fuss">Impressum | Datenschutz | © Der Anzeiger Verlag GmbH</div></body></html>"""


def _french(s, url, most, see):
    paras = "\n".join(f"<p>{esc(p)}</p>" for p in s.paragraphs)
    tags = ", ".join(f'<a href="/sujet/{ascii_slug(t)}">{esc(t)}</a>' for t in s.topics)
    return f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>{esc(s.title)} - Le Courrier</title>
<meta name="description" content="{esc(s.paragraphs[0][:150])}"></head><body>
<div class="entete"><a href="/">Le Courrier</a> <a href="/section/french/">Actualités</a></div>
<div class="contenu"><div class="rubrique">{esc(s.section)}</div><h1>{esc(s.title)}</h1>
<p class="signature">Par {esc(s.author)} - Publié le {shown_date("french", s.day)}</p>
<div class="corps">{paras}</div>
<div class="mots-cles">Mots-clés : {tags}</div>
<div class="a-lire"><h4>À lire aussi</h4><ul>
{"".join(f'<li><a href="{esc(p)}">{esc(t)}</a></li>' for p, t in most)}</ul></div></div>
<div class="pied">© Le Courrier - Tous droits réservés. Mentions légales.</div></body></html>"""


def _vietnamese(s, url, most, see):
    paras = "\n".join(f'<p class="Normal">{esc(p)}</p>' for p in s.paragraphs)
    tags = "".join(f'<a class="tag" href="/tag/{ascii_slug(t)}">{esc(t)}</a>' for t in s.topics)
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>{esc(s.title)} - Báo Tin Tức</title></head><body>
<div class="top-header"><a href="/">Báo Tin Tức</a> <a href="/section/vietnamese/">Thời sự</a></div>
<div class="sidebar-1"><span class="date">{shown_date("vietnamese", s.day)}</span>
<h1 class="title-detail">{esc(s.title)}</h1>
<article class="fck_detail">{paras}<p class="author_mail"><strong>{esc(s.author)}</strong></p>
</article><div class="tags">Từ khóa: {tags}</div></div>
<div class="sidebar-2"><h3>Xem nhiều</h3><ul>
{"".join(f'<li><a href="{esc(p)}">{esc(t)}</a></li>' for p, t in most)}</ul></div>
<div class="footer">© Báo Tin Tức. Giấy phép số 548/GP-BTTTT.</div></body></html>"""


def _wire(s, url, most, see):
    import textwrap

    text = "\n\n".join(textwrap.fill(p, 68, initial_indent="    ", subsequent_indent=" ")
                       for p in s.paragraphs)
    topics = " ".join(f'<a href="/wire/topic/{ascii_slug(t)}">{esc(t)}</a>' for t in s.topics)
    return f"""<html><head><title>WIRE ARCHIVE: {esc(s.title)}</title></head><body>
<p><a href="/">Archive home</a> &gt; <a href="/section/wire/">{s.day.year}</a></p>
<h2>{esc(s.title)}</h2>
<p><b>Date:</b> {shown_date("wire", s.day)}<br><b>Topics:</b> {topics}<br><b>Places:</b> uk</p>
<pre>
{esc(text)}
 REUTER
</pre><hr><a href="{esc(see[0])}">Next story</a> | <a href="/section/wire/">Index</a></body></html>"""


def _spanish(s, url, most, see):
    paras = "\n".join(f"<p>{esc(p)}</p>" for p in s.paragraphs)
    tags = ", ".join(f'<a href="/etiqueta/{ascii_slug(t)}">{esc(t)}</a>' for t in s.topics)
    related = "".join(f'<li><a href="{esc(p)}">{esc(t)}</a></li>' for p, t in most[:3])
    read = "".join(f'<li><a href="{esc(p)}">{esc(t)}</a></li>' for p, t in most[2:])
    return f"""<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">
<title>{esc(s.title)} | El Diario del Sur</title>
<meta property="og:title" content="{esc(s.title)}"><meta property="og:type" content="article">
<meta name="keywords" content="noticias, diario, sur, actualidad"></head><body>
<nav class="navbar navbar-default"><div class="container"><a class="navbar-brand" href="/">El
Diario del Sur</a><ul class="nav navbar-nav"><li><a href="/section/spanish/">Portada</a></li>
<li><a href="/section/spanish/">Economía</a></li></ul></div></nav>
<div class="container"><div class="row"><div class="col-md-8">
<ol class="breadcrumb"><li><a href="/">Inicio</a></li><li><a href="/section/spanish/">{esc(s.section)}</a></li></ol>
<h1 class="titulo">{esc(s.title)}</h1>
<p class="fecha">Publicado el {shown_date("spanish", s.day)}</p>
<p class="autor">Por {esc(s.author)}</p>
<div class="cuerpo">{paras}</div>
<div class="etiquetas">Etiquetas: {tags}</div>
<div class="compartir"><a href="#">Facebook</a> <a href="#">Twitter</a> <a href="#">WhatsApp</a></div>
</div><div class="col-md-4"><div class="panel"><h3>Noticias relacionadas</h3><ul>{related}</ul></div>
<div class="panel"><h3>Lo más leído</h3><ol>{read}</ol></div></div></div></div>
<footer class="footer"><p>© El Diario del Sur S.A. Todos los derechos reservados.</p></footer>
</body></html>"""


def _magazine(s, url, most, see):
    parts = []
    for i, p in enumerate(s.paragraphs):
        parts.append(f"<p>{esc(p)}</p>")
        if i == 0:
            parts.append('<figure><img src="/img/a.jpg" alt=""><figcaption>The harbour at '
                         'dawn. Photograph: Agency</figcaption></figure>')
        if i == 1:
            parts.append(f'<blockquote class="pullquote">{esc(p.split(".")[0])}.</blockquote>')
    cards = "".join(f'<article class="card"><h3><a href="{esc(p)}">{esc(t)}</a></h3>'
                    f'<p>A longer read from our archive, with pictures and a map.</p></article>'
                    for p, t in most[:3])
    topics = "".join(f'<li><a class="topic-pill" href="/topics/{ascii_slug(t)}">{esc(t)}</a></li>'
                     for t in s.topics)
    return f"""<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<title>{esc(s.title)} — Longform Weekly</title><meta property="og:type" content="article">
<meta property="og:site_name" content="Longform Weekly"></head><body><div class="site">
<header class="masthead"><a class="brand" href="/">Longform Weekly</a>
<button class="menu-toggle">Menu</button></header><main id="main">
<header class="story-header"><p class="kicker">{esc(s.section)}</p>
<h1 class="story-title">{esc(s.title)}</h1>
<p class="standfirst">What happened, and why it matters: our correspondent reports.</p>
<div class="story-meta"><span class="writer">Words by {esc(s.author)}</span>
<span class="pub-date">{shown_date("magazine", s.day)}</span></div></header>
<div class="rich-text">{"".join(parts)}</div>
<div class="author-bio"><p>{esc(s.author)} is a staff writer at Longform Weekly, covering
trade and transport.</p></div><ul class="topic-list">{topics}</ul>
<section class="more-stories"><h2>Read next</h2>{cards}</section></main>
<footer class="site-footer"><p>Longform Weekly is published by Longform Media Ltd.</p></footer>
</div></body></html>"""


_RENDER = {"table1990": _table1990, "blog2000": _blog2000, "divsoup": _divsoup,
           "semantic": _semantic, "amp": _amp, "print": _print, "german": _german,
           "french": _french, "vietnamese": _vietnamese, "wire": _wire, "spanish": _spanish,
           "magazine": _magazine}


def listing_page(layout: str, heading: str, stories: list[SiteStory], next_path: str | None,
                 intro: str = "") -> str:
    """A section or topic page: a headline and a long teaser per story, as sections of news
    sites show them (long enough to pass for a story of its own), and an introduction."""
    items = "\n".join(
        f'<div class="teaser"><h3><a href="{esc(story_path(s))}">{esc(s.title)}</a></h3>'
        f'<p>{esc(" ".join(" ".join(s.paragraphs).split()[:45]))} ...</p></div>'
        for s in stories)
    more = f'<p><a href="{esc(next_path)}">Older stories</a></p>' if next_path else ""
    intro_html = f'<p class="intro">{esc(intro)}</p>' if intro else ""
    lang = {"german": "de", "french": "fr", "vietnamese": "vi", "spanish": "es"}.get(layout, "en")
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<title>{esc(heading)} - {SITE_NAMES[layout]}</title></head><body>
<div class="top"><a href="/">{SITE_NAMES[layout]}</a></div><div class="main">
<h1>{esc(heading)}</h1>{intro_html}{items}{more}</div>
<div class="bottom">© {SITE_NAMES[layout]}</div></body></html>"""
