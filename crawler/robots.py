"""robots.txt: fetch once per host, obey it (protego parses it).

RFC 9309 rules for fetching robots.txt (section 2.3.1):

- 2xx: parse and obey (Allow/Disallow, longest match wins; Crawl-delay honoured).
- 4xx (404, 403, 410 ...): no rules: everything is allowed.
- 5xx, timeouts, connection errors: "complete disallow" for this crawl, recorded as the
  reason on each URL of that host.
- Redirects are followed (up to 5 hops) by the fetcher.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protego import Protego


@dataclass
class RobotsRules:
    """What robots.txt says for one host, for our user agent."""

    status: str  # "ok", "missing", "unavailable", "refused" (the host's address is not public)
    parser: Protego | None = None
    detail: str = ""
    sitemaps: list[str] = field(default_factory=list)

    def allowed(self, url: str, agent: str) -> bool:
        if self.status == "missing":
            return True
        if self.status in ("unavailable", "refused"):
            return False
        return self.parser is not None and bool(self.parser.can_fetch(url, agent))

    def crawl_delay(self, agent: str) -> float:
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(agent)
        return float(delay) if delay else 0.0


def rules_from_response(status: int | None, text: str | None, error: str | None = None,
                        refused: bool = False) -> RobotsRules:
    """Build the rules from a robots.txt fetch outcome (status None = no response;
    ``refused``: the crawler would not connect to the host's address)."""
    if refused:
        return RobotsRules("refused", detail=error or "the host's address is not public")
    if status is None:
        return RobotsRules("unavailable", detail=error or "robots.txt unreachable")
    if 200 <= status < 300:
        parser = Protego.parse(text or "")
        return RobotsRules("ok", parser=parser, sitemaps=list(parser.sitemaps))
    if 400 <= status < 500:
        return RobotsRules("missing", detail=f"robots.txt HTTP {status}: no rules")
    return RobotsRules("unavailable", detail=f"robots.txt HTTP {status}")
