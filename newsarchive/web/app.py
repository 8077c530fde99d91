"""The web app: search, article and editor pages, a JSON API, OpenSearch and Atom feeds.

Read-only and thin over the ``search`` package: every page is one library call plus a
template. Jinja2 autoescapes everything; the only markup inserted as-is is a snippet, which
``search.snippets`` escaped itself (``<mark>`` around matches). The library calls run on
searchers (:mod:`.searchers`: search processes under ``serve``, threads in tests), each with
its own ``SearchIndex`` that reopens itself when the indexer commits.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode
from xml.sax.saxutils import escape as xml_escape

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive.reader import ArchiveReader
from search import QueryError, SearchRequest
from search.query import MAX_QUERY_CHARS

from .. import __version__
from .chart import timeline
from .searchers import (
    TIME_BUDGET,
    Busy,
    NoIndex,
    ProcessSearchers,
    Searchers,
    ShardedSearchers,
    ThreadSearchers,
    article_job,
    related_job,
    search_job,
)
from .security import LOOPBACK_NAMES, Security
from .text import paragraphs as body_paragraphs

HERE = Path(__file__).parent
SEARCH_PARAMS = ("q", "from", "to", "topic", "section", "source", "sort", "page", "limit")
MAX_DRAFT = 200_000


def _utc(timestamp) -> str:
    """A Unix time as readers read it: ``2026-11-28 01:28 UTC``."""
    return datetime.fromtimestamp(float(timestamp), timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def create_app(archive: str | Path, allowed_hosts: tuple[str, ...] = LOOPBACK_NAMES,
               time_budget: float = TIME_BUDGET, processes: int = 0,
               cluster: str | None = None) -> FastAPI:
    """The app serving ``archive`` to requests for ``allowed_hosts`` (see
    :mod:`newsarchive.web.security`); a search may take ``time_budget`` seconds. With
    ``processes``, searches run in that many processes (see :mod:`.searchers`); without,
    in two threads of this one. A sharded archive is searched on the Dask cluster at
    ``cluster`` (or ``$NEWSARCHIVE_CLUSTER``, or one started here)."""
    from archive.sharding import is_sharded

    archive = Path(archive)
    index: Searchers
    if is_sharded(archive):
        index = ShardedSearchers(archive, cluster, budget=time_budget)
    elif processes:
        index = ProcessSearchers(archive, processes, time_budget)
    else:
        index = ThreadSearchers(archive, budget=time_budget)

    @asynccontextmanager
    async def lifespan(app):
        index.warm()  # open the searchers before the first reader waits for them
        yield
        index.close()

    app = FastAPI(title="newsarchive", version=__version__, lifespan=lifespan,
                  description="Search a news archive: keyword search with date and topic "
                              "filters, articles, and related stories for editors.")
    app.state.index = index
    app.add_middleware(Security, allowed_hosts=tuple(allowed_hosts))
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["version"] = __version__
    templates.env.filters["utc"] = _utc
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    site = _Site(archive, index, templates)
    _error_pages(app, site)
    _pages(app, site)
    _feeds(app, site)
    _api(app, site)
    return app


class _Site:
    """What every route uses: the archive, its searchers and the page templates."""

    def __init__(self, archive: Path, index, templates: Jinja2Templates):
        self.archive = archive
        self.index = index
        self.templates = templates

    def page(self, request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    async def search(self, wanted: SearchRequest):
        return await self.index.run(search_job, request=wanted)

    async def article(self, article_id: int) -> dict:
        art = await self.index.run(article_job, key=article_id)
        if art is None:
            raise StarletteHTTPException(404, f"there is no article number {article_id}")
        return art

    async def related(self, **options):
        return await self.index.run(related_job, **options)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_pages(app: FastAPI, site: _Site) -> None:
    """Errors as the API's JSON object under /api/, as a page elsewhere."""
    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy):
        if _wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=503,
                                headers={"Retry-After": "5"})
        return site.page(request, "error.html", 503, message=str(exc), title="Busy")

    @app.exception_handler(NoIndex)
    async def no_index(request: Request, exc: NoIndex):
        if _wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=503)
        return site.page(request, "error.html", 503, message=str(exc), title="No index yet")

    @app.exception_handler(QueryError)
    async def bad_query(request: Request, exc: QueryError):
        if _wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=400)
        return site.page(request, "error.html", 400, message=str(exc), title="Cannot search that")

    @app.exception_handler(RequestValidationError)
    async def bad_params(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}"
                             for e in exc.errors())
        if _wants_json(request):
            return JSONResponse({"error": problems}, status_code=400)
        return site.page(request, "error.html", 400, message=problems, title="Bad request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if _wants_json(request):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        return site.page(request, "error.html", exc.status_code, message=exc.detail,
                    title="Not found" if exc.status_code == 404 else "Error")


def _pages(app: FastAPI, site: _Site) -> None:
    """The reader's and the editor's pages."""
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def search_page(request: Request,
                          wanted: SearchRequest = PAGE_SEARCH):
        state = {k: v for k, v in request.query_params.items() if k in SEARCH_PARAMS and v}
        context: dict[str, Any] = {"q": wanted.text, "state": state, "results": None,
                                   "ids": {}, "chart": None, "error": None,
                                   "link": lambda **kw: _link(state, **kw)}
        if wanted.text or wanted.filtered:
            try:
                results, ids = await site.search(wanted)
                context.update(results=results, ids=ids,
                               chart=timeline(results.facets.get("months") or {}))
            except QueryError as exc:
                context["error"] = str(exc)
        status = 400 if context["error"] else 200
        return site.page(request, "search.html", status, title=wanted.text or "Search", **context)

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    async def article_page(request: Request, article_id: int):
        art = await site.article(article_id)
        try:
            _, suggestions, ids = await site.related(url=art["canonical_url"], limit=5)
        except (QueryError, NoIndex):
            suggestions, ids = [], {}
        paragraphs = body_paragraphs(art.get("body"))
        return site.page(request, "article.html", title=art.get("title") or art["canonical_url"],
                    art=art, paragraphs=paragraphs, suggestions=suggestions, ids=ids)

    @app.get("/articles/{article_id}/capture", include_in_schema=False)
    async def capture(article_id: int):
        """The archived page as fetched, sandboxed: its scripts never run on our origin."""
        art = await site.article(article_id)
        if not art.get("warc_file") or art.get("warc_offset") is None:
            raise StarletteHTTPException(404, "this story has no archived capture "
                                              "(it was imported as text)")
        try:
            _, headers, payload = await asyncio.to_thread(
                ArchiveReader(art.get("archive") or site.archive).capture, art["warc_file"],
                art["warc_offset"])
        except (OSError, ValueError):
            raise StarletteHTTPException(404, "the archived capture is missing") from None
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "text/html")
        return Response(payload, media_type=ctype.split(";")[0].strip() or "text/html",
                        headers={"Content-Security-Policy": "sandbox",
                                 "X-Content-Type-Options": "nosniff"})

    @app.get("/editor", response_class=HTMLResponse, include_in_schema=False)
    def editor_page(request: Request):
        return site.page(request, "editor.html", title="Related stories for a draft", text="",
                    suggestions=None, options={}, error=None, ids={})

    @app.post("/editor", response_class=HTMLResponse, include_in_schema=False)
    async def editor_post(request: Request):
        raw = (await request.body())[: MAX_DRAFT * 4].decode("utf-8", "replace")
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        text = form.get("text", "")[:MAX_DRAFT]
        options = {k: form.get(k, "") for k in ("within", "limit")}
        suggestions, error, ids = None, None, {}
        try:
            limit = int(options["limit"] or 8)
            _, suggestions, ids = await site.related(text=text, limit=limit,
                                              within=options["within"] or None)
        except ValueError:
            error = "limit must be a number"
        except QueryError as exc:
            error = str(exc)
        return site.page(request, "editor.html", 400 if error else 200,
                    title="Related stories for a draft", text=text, suggestions=suggestions,
                    options=options, error=error, ids=ids)


def _feeds(app: FastAPI, site: _Site) -> None:
    """OpenSearch, for browsers, and an Atom feed of any search."""
    @app.get("/opensearch.xml", include_in_schema=False)
    def opensearch(request: Request):
        base = str(request.base_url).rstrip("/")
        body = f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">
  <ShortName>newsarchive</ShortName>
  <Description>Search the news archive</Description>
  <InputEncoding>UTF-8</InputEncoding>
  <Url type="text/html" method="get" template="{xml_escape(base)}/?q={{searchTerms}}"/>
  <Url type="application/atom+xml" template="{xml_escape(base)}/feed.atom?q={{searchTerms}}"/>
  <Url type="application/json" template="{xml_escape(base)}/api/search?q={{searchTerms}}"/>
</OpenSearchDescription>
"""
        return Response(body, media_type="application/opensearchdescription+xml")

    @app.get("/feed.atom", include_in_schema=False)
    async def feed(request: Request, wanted: SearchRequest = FEED_SEARCH):
        results, ids = await site.search(wanted)
        base = str(request.base_url).rstrip("/")
        state = {k: v for k, v in request.query_params.items() if k in SEARCH_PARAMS and v}
        return Response(_atom(base, state, results, ids), media_type="application/atom+xml")


def _api(app: FastAPI, site: _Site) -> None:
    """The JSON API (described at /docs)."""
    @app.get("/api/search", summary="Search the archive",
             description="The same object as `newsarchive search --json`: total, hits (url, "
                         "title, published, source, topics, score, snippet with match offsets), "
                         "facets (topics, months) and did_you_mean.")
    async def api_search(wanted: SearchRequest = API_SEARCH):
        results, ids = await site.search(wanted)
        out = results.as_dict()
        for hit in out["hits"]:
            hit["id"] = ids.get(hit["url"])
        return JSONResponse(out)  # plain JSON types already: no second pass to encode them

    @app.get("/api/articles/{article_id}", summary="One article with its metadata")
    async def api_article(article_id: int):
        return await site.article(article_id)

    @app.get("/api/related", summary="Related stories for an archived article")
    async def api_related(url: str = "", id: int | None = None, limit: int = 5, within: str = "",
                    after: str = "", before: str = "", same_topic: bool = False,
                    topic: str = "", recency: bool = False):
        if id is not None:
            url = (await site.article(id))["canonical_url"]
        if not url:
            raise QueryError("give url= or id= (or POST a draft's text)")
        return _related_json(*await site.related(url=url, limit=limit,
                                          within=within or None, after=after or None,
                                          before=before or None, same_topic=same_topic,
                                          topic=topic or None, recency=recency))

    @app.post("/api/related", summary="Related stories for a draft",
              description='Body: {"text": "...", "limit": 5, "within": "90d", "topic": "...", '
                          '"recency": false}')
    async def api_related_draft(request: Request):
        try:
            body = await request.json()
        except ValueError:
            raise QueryError('send JSON: {"text": "the draft"}') from None
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise QueryError('send JSON: {"text": "the draft"}')
        limit = body.get("limit", 5)
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise QueryError("limit must be a whole number")
        return _related_json(*await site.related(
            text=body["text"][:MAX_DRAFT], limit=limit, within=body.get("within") or None,
            topic=body.get("topic") or None, recency=bool(body.get("recency"))))


def _search_request(style: str, **fixed):
    """A FastAPI dependency: the request's search parameters as a :class:`SearchRequest`
    (``fixed`` fields are not the reader's to choose: the feed's sort, for one)."""
    def params(q: str = "", date_from: str = _q("from"), date_to: str = _q("to"),
               topic: str = "", section: str = "", source: str = "", sort: str = "relevance",
               page: int = 1, limit: int = 10) -> SearchRequest:
        if len(q) > MAX_QUERY_CHARS:  # the CLI cuts and says so; a request is refused
            raise QueryError(f"the query is {len(q):,} characters long; at most "
                             f"{MAX_QUERY_CHARS:,} are read")
        given: dict[str, Any] = dict(date_from=date_from, date_to=date_to, topic=topic,
                                     section=section, source=source, sort=sort, page=page,
                                     limit=limit)
        return SearchRequest(q, snippet_style=style, **(given | fixed))
    return params


def _q(alias: str, default=""):
    """A query parameter whose name is not a Python identifier (``from``) or is shadowed."""
    from fastapi import Query

    return Query(default, alias=alias)


#: the search each kind of endpoint reads from its query string
PAGE_SEARCH = Depends(_search_request("html"))
API_SEARCH = Depends(_search_request("plain"))
FEED_SEARCH = Depends(_search_request("plain", sort="newest", page=1, limit=30, facets=False))


def _link(state: dict, **changes) -> str:
    """The search page URL for the current state with some parameters changed (None drops)."""
    merged = dict(state)
    for key, value in changes.items():
        key = {"date_from": "from", "date_to": "to"}.get(key, key)
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    if "page" not in changes:
        merged.pop("page", None)  # a new filter starts at page 1
    return "/?" + urlencode(merged)


def _related_json(source, suggestions, ids) -> dict:
    out = [s.as_dict() | {"id": ids.get(s.url)} for s in suggestions]
    return {"source": source.url, "suggestions": out, "partial": bool(source.missing_shards),
            "missing_shards": source.missing_shards}


def _atom(base: str, state: dict, results, ids) -> str:
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    query = urlencode(state)
    title = f"newsarchive: {state.get('q') or 'all stories'}"
    entries = []
    for h in results.hits:
        updated = (h.published or now)
        if len(updated) == 10:
            updated += "T00:00:00"
        if "+" not in updated[10:] and not updated.endswith("Z"):
            updated += "Z"
        snip = h.snippet.get("text", "") if isinstance(h.snippet, dict) else (h.snippet or "")
        entries.append(f"""  <entry>
    <id>{xml_escape(h.url)}</id>
    <title>{xml_escape(h.title or h.url)}</title>
    <link href="{xml_escape(h.url, {'"': '&quot;'})}"/>
    <link rel="related" type="text/html" href="{base}/articles/{ids.get(h.url, '')}"/>
    <updated>{xml_escape(updated)}</updated>
    <summary>{xml_escape(snip)}</summary>
  </entry>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>{xml_escape(base)}/feed.atom?{xml_escape(query)}</id>
  <title>{xml_escape(title)}</title>
  <updated>{now}</updated>
  <link rel="self" href="{xml_escape(base)}/feed.atom?{xml_escape(query)}"/>
  <link rel="alternate" type="text/html" href="{xml_escape(base)}/?{xml_escape(query)}"/>
{chr(10).join(entries)}
</feed>
"""
