"""Story bodies split across several containers.

Many sites cut the body into sibling blocks with the same markup, separated by advertising
rows (``div.body__container`` at Wired): trafilatura keeps the first block and drops the
rest. Before trafilatura prunes the tree, we note every run of paragraph containers sharing a
tag and class; after it, a run whose first block is in the extracted text gives back the
paragraphs of its other blocks.
"""

from __future__ import annotations

import re

_NOT_STORY = re.compile(r"comment|related|recirc|promo|newsletter|footer|teaser|sidebar|share",
                        re.I)
#: Paragraphs shorter than this are not added back (labels, captions, "Advertisement").
MIN_PARAGRAPH = 40


def _norm(text: str) -> str:
    return " ".join(text.split())


def _outside_story(el) -> bool:
    for a in el.iterancestors():
        if a.tag in ("aside", "nav", "footer", "header", "form"):
            return True
        if _NOT_STORY.search(f"{a.get('class') or ''} {a.get('id') or ''}"):
            return True
    return False


def container_runs(tree) -> list[list[list[str]]]:
    """Runs of two or more paragraph containers with the same tag and class, in document
    order: each run is a list of containers, each container a list of paragraph texts."""
    groups: dict[tuple[str, str], dict] = {}
    for p in tree.iter("p"):
        parent = p.getparent()
        cls = parent.get("class") if parent is not None else None
        if not cls:
            continue
        text = _norm(p.text_content())
        if text:
            groups.setdefault((parent.tag, cls), {}).setdefault(parent, []).append(text)
    runs = []
    for containers in groups.values():
        if len(containers) < 2:
            continue
        kept = [paras for el, paras in containers.items() if not _outside_story(el)]
        if len(kept) >= 2:
            runs.append(kept)
    return runs


def add_continuations(body: str, runs: list[list[list[str]]]) -> str:
    """``body`` (paragraphs separated by blank lines) with the paragraphs of the other blocks
    of a run whose blocks it partly holds; unchanged when no run fits."""
    if not body or not runs:
        return body
    have = {_norm(p) for p in body.split("\n\n")}
    flat = _norm(body)
    for run in runs:
        found = [sum(len(p) for p in block if p in have or p in flat) / max(1, sum(map(len, block)))
                 for block in run]
        # the story is in this run: one block fully taken, others left out
        if max(found) < 0.8 or min(found) > 0.2:
            continue
        # a block of the story is several paragraphs long: a lone one is a caption, an
        # author's bio, a disclaimer or an appeal that happens to share the markup
        missing = [p for block, share in zip(run, found)
                   if share <= 0.2 and sum(len(p) >= MIN_PARAGRAPH for p in block) >= 2
                   for p in block if len(p) >= MIN_PARAGRAPH and p not in flat]
        if missing:
            body = body + "\n\n" + "\n\n".join(missing)
            flat = _norm(body)
    return body
