"""Related stories for editors: for an article in the archive, or for a draft they paste.

The text's most distinctive terms (Whoosh's key-term extraction, Bo1 model, over the body
field) become a weighted OR query; the story itself and near-copies of it are left out.
"""

from __future__ import annotations

from whoosh.query import Or, Term

from indexer.fingerprint import fingerprint_of, near

from .engine import Hit, SearchIndex
from .errors import QueryError

KEY_TERMS = 25


def related(idx: SearchIndex, *, url: str | None = None, text: str | None = None,
            limit: int = 5, snippet_style: str = "plain") -> list[Hit]:
    """Stories related to the archived article ``url`` or to a draft ``text``."""
    searcher = idx.searcher
    exclude_url = None
    if url:
        texts = idx._texts([url])
        docnum = searcher.document_number(id=url)
        if docnum is None:
            raise QueryError(f"{url} is not in the index; give its canonical URL "
                             f"(see `newsarchive search`) or paste the text with --text")
        stored = searcher.stored_fields(docnum)
        text = f"{stored.get('title', '')}\n{texts.get(url) or stored.get('lead', '')}"
        exclude_url = url
    if not text or not text.strip():
        raise QueryError("give an article URL or some text to find related stories for")
    terms = searcher.key_terms_from_text("body", text, numterms=KEY_TERMS, normalize=True)
    if not terms:
        return []
    q = Or([Term("body", t, boost=w) for t, w in terms]
           + [Term("title", t, boost=w) for t, w in terms[:10]])
    fp = fingerprint_of("", text)
    results = searcher.search(q, limit=limit * 3 + 5)
    hits: list[Hit] = []
    for r in results:
        stored = r.fields()
        if stored["id"] == exclude_url:
            continue
        if near(stored.get("sketch"), fp):
            continue
        published = stored.get("published")
        hits.append(Hit(url=stored["id"], title=stored.get("title") or "",
                        published=published.isoformat() if published else None,
                        source=stored.get("source"),
                        topics=[t for t in (stored.get("topics") or "").split(",") if t],
                        section=stored.get("section"), author=stored.get("author"),
                        score=round(float(r.score or 0), 4),
                        snippet=(stored.get("lead") or "")[:200]))
        if len(hits) >= limit:
            break
    return hits
