"""Stories of every era and length for the many-layout test site (:mod:`newsarchive.layout_site`).

Generated from a seed, so a run is repeatable and two seeds differ a little: dates from the
1850s to today, stories from one sentence to thousands of words, headlines with " - " and
": " in them, English, German, French and Vietnamese text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

#: the layouts the site renders, each its own era and language (see newsarchive.layouts)
LAYOUTS = ("table1990", "blog2000", "divsoup", "semantic", "amp", "print", "german", "french",
           "vietnamese")
#: layouts written after the cleaner was tuned on the others, to judge it on pages it was not
#: designed for: a 1980s wire archive in <pre>, a Spanish Bootstrap site, a 2020s magazine
HELD_OUT = ("wire", "spanish", "magazine")
LANGUAGE = {"german": "de", "french": "fr", "vietnamese": "vi", "spanish": "es"}

_EN = {
    "who": ["the council", "the ministry", "the central bank", "dock workers", "the union",
            "the governor", "local farmers", "the railway company", "the harbour board",
            "the mayor", "shipping firms", "the opposition", "investors", "the court",
            "the hospital trust", "the school board", "miners", "the oil company",
            "the grain traders", "the insurers", "the army", "the police"],
    "did": ["announced", "rejected", "approved", "questioned", "postponed", "welcomed",
            "criticised", "debated", "confirmed", "denied", "extended", "reviewed"],
    "what": ["a plan to widen the canal", "new tariffs on imported steel",
             "the sale of the northern mine", "a loan for the new bridge",
             "higher prices for crude oil", "the budget for next year",
             "a ban on night trains", "the merger of two banks", "a subsidy for wheat growers",
             "the closure of the old port", "a rise in coffee exports", "the new tax on sugar",
             "an inquiry into the fire", "a strike at the cotton mills",
             "plans for a telegraph line", "the price of copper"],
    "when": ["on Tuesday", "late on Friday", "after a long meeting", "this week",
             "on Monday evening", "before the holiday", "at the annual assembly",
             "in a statement", "after months of talks", "despite protests"],
    "more": ["Officials said the decision would be reviewed within a year",
             "Critics warned that the cost could rise sharply",
             "Traders said prices had already moved in anticipation",
             "The figures were higher than most analysts had expected",
             "Several members walked out before the vote",
             "A spokesman declined to give further details",
             "Residents gathered outside the hall to hear the result",
             "The measure is expected to take effect next month"],
}
_DE = {
    "who": ["der Stadtrat", "die Regierung", "die Bundesbank", "die Gewerkschaft",
            "der Bürgermeister", "die Reederei", "die Landwirte", "das Gericht"],
    "did": ["kündigte", "lehnte", "billigte", "verschob", "begrüßte", "prüfte"],
    "what": ["einen Plan für die neue Brücke", "höhere Zölle auf Stahl",
             "den Verkauf der Zeche", "die Fusion zweier Banken", "den Haushalt",
             "eine Abgabe auf Zucker", "den Bau der Eisenbahn"],
    "when": ["am Dienstag", "nach langen Verhandlungen", "in dieser Woche",
             "am Montagabend", "trotz heftiger Proteste"],
    "more": ["Kritiker warnten vor steigenden Kosten",
             "Ein Sprecher wollte keine weiteren Angaben machen",
             "Die Entscheidung soll im kommenden Jahr überprüft werden",
             "Händler sagten, die Preise hätten sich bereits bewegt"],
}
_FR = {
    "who": ["le conseil municipal", "le ministère", "la banque centrale", "le syndicat",
            "le maire", "les armateurs", "les agriculteurs", "le tribunal"],
    "did": ["a annoncé", "a rejeté", "a approuvé", "a reporté", "a salué", "a examiné"],
    "what": ["un projet de nouveau pont", "des droits de douane sur l'acier",
             "la vente de la mine", "la fusion de deux banques", "le budget",
             "une taxe sur le sucre", "la construction du chemin de fer"],
    "when": ["mardi", "après de longues négociations", "cette semaine", "lundi soir",
             "malgré de vives protestations"],
    "more": ["Les critiques redoutent une hausse des coûts",
             "Un porte-parole n'a pas souhaité donner plus de détails",
             "La décision sera réexaminée l'année prochaine",
             "Les négociants affirment que les prix ont déjà bougé"],
}
_VI = {
    "who": ["hội đồng thành phố", "bộ tài chính", "ngân hàng trung ương", "công đoàn",
            "thị trưởng", "các hãng tàu", "nông dân", "tòa án"],
    "did": ["đã công bố", "đã bác bỏ", "đã phê duyệt", "đã hoãn", "đã hoan nghênh"],
    "what": ["kế hoạch xây cầu mới", "thuế nhập khẩu thép", "việc bán mỏ than",
             "việc sáp nhập hai ngân hàng", "ngân sách năm tới", "thuế đường"],
    "when": ["vào thứ Ba", "sau nhiều tháng đàm phán", "trong tuần này", "tối thứ Hai"],
    "more": ["Các nhà phê bình cảnh báo chi phí có thể tăng mạnh",
             "Người phát ngôn từ chối đưa thêm chi tiết",
             "Quyết định sẽ được xem xét lại vào năm sau"],
}
_ES = {
    "who": ["el ayuntamiento", "el ministerio", "el banco central", "el sindicato",
            "el alcalde", "las navieras", "los agricultores", "el tribunal"],
    "did": ["anunció", "rechazó", "aprobó", "aplazó", "celebró", "revisó"],
    "what": ["un plan para el nuevo puente", "aranceles sobre el acero", "la venta de la mina",
             "la fusión de dos bancos", "el presupuesto", "un impuesto sobre el azúcar"],
    "when": ["el martes", "tras largas negociaciones", "esta semana", "el lunes por la noche",
             "pese a las protestas"],
    "more": ["Los críticos advierten que el coste podría subir",
             "Un portavoz declinó dar más detalles",
             "La decisión se revisará el año próximo"],
}
_WORDS = {"en": _EN, "de": _DE, "fr": _FR, "vi": _VI, "es": _ES}
_PLACES = ["LONDON", "ROTTERDAM", "CHICAGO", "BOMBAY", "SYDNEY", "HAMBURG", "LAGOS", "LIMA"]
_TOPICS = {
    "en": ["crude", "grain", "shipping", "banking", "railways", "mining", "trade", "courts",
           "labour", "elections", "weather", "health", "coffee", "sugar", "copper"],
    "de": ["Energie", "Handel", "Bahn", "Banken", "Bergbau", "Gerichte", "Wahlen", "Hafen"],
    "fr": ["énergie", "commerce", "chemins de fer", "banques", "mines", "justice", "élections"],
    "vi": ["kinh tế", "giao thông", "ngân hàng", "nông nghiệp", "thời sự", "pháp luật"],
    "es": ["economía", "transporte", "banca", "agricultura", "tribunales", "minería"],
}
SECTIONS = {"en": ["business", "world", "markets", "politics"],
            "de": ["Wirtschaft", "Politik", "Regional"], "fr": ["Économie", "Politique"],
            "vi": ["Kinh doanh", "Thời sự"], "es": ["Economía", "Sociedad"]}
_NAMES = ["Maria Lopez", "Tom Becker", "Ana Silva", "James O'Neill", "Priya Nair",
          "Kenji Watanabe", "Claire Dubois", "Hans Müller", "Nguyễn Văn An", "Edith Clarke",
          "Samuel Harris", "Jeanne Moreau"]


@dataclass
class SiteStory:
    """One story and what its page shows: the ground truth a crawl is judged against."""

    id: int
    layout: str
    day: date
    title: str
    author: str
    section: str
    topics: list[str]  # the tags the page shows readers ([] where it shows none)
    paragraphs: list[str]
    language: str = "en"
    slug: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def _sentence(rng: random.Random, lang: str) -> str:
    w = _WORDS[lang]
    if lang == "de":
        s = f"{rng.choice(w['who'])} {rng.choice(w['did'])} {rng.choice(w['when'])} " \
            f"{rng.choice(w['what'])} an"
    else:
        s = f"{rng.choice(w['who'])} {rng.choice(w['did'])} {rng.choice(w['what'])} " \
            f"{rng.choice(w['when'])}"
    if rng.random() < 0.5:
        s += ", " + rng.choice(w["more"]).lower() if lang != "de" else ". " + rng.choice(w["more"])
    return s[0].upper() + s[1:] + "."


def _length(rng: random.Random) -> int:
    """Words in a story: a fifth are one sentence or a brief, a few run to thousands."""
    r = rng.random()
    if r < 0.12:
        return 0  # one sentence
    if r < 0.40:
        return rng.randint(15, 60)
    if r < 0.80:
        return rng.randint(60, 300)
    if r < 0.96:
        return rng.randint(300, 900)
    return rng.randint(900, 3000)


def _paragraphs(rng: random.Random, lang: str, words: int) -> list[str]:
    if words == 0:
        return [_sentence(rng, lang)]
    paras: list[str] = []
    count = 0
    while count < words:
        para = " ".join(_sentence(rng, lang) for _ in range(rng.randint(1, 4)))
        paras.append(para)
        count += len(para.split())
    return paras


def _era(rng: random.Random) -> date:
    """A day from 1850 to 2025, weighted towards the twentieth century's second half."""
    r = rng.random()
    year = (rng.randint(1850, 1899) if r < 0.15 else rng.randint(1900, 1979) if r < 0.4
            else rng.randint(1980, 1999) if r < 0.75 else rng.randint(2000, 2025))
    return date(year, rng.randint(1, 12), rng.randint(1, 28))


def _title(rng: random.Random, lang: str) -> str:
    w = _WORDS[lang]
    what = rng.choice(w["what"])
    head = f"{rng.choice(w['who'])} {rng.choice(w['did'])} {what}"
    head = head[0].upper() + head[1:]
    r = rng.random()
    if lang == "en" and r < 0.15:  # a wire headline: "PORT SUBSIDY TO END JULY 1 - MINISTER"
        return f"{what.upper()} TO END JULY {rng.randint(1, 28)} - {rng.choice(w['who']).upper()}"
    if r < 0.25:
        return f"{rng.choice(_PLACES).title()}: {head}"
    return head


def _slug(title: str) -> str:
    import re
    import unicodedata

    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_.lower()))[:60] or "story"


def _unique_slug(slug: str, taken: set[str]) -> str:
    """``slug``, or ``slug-2``, ``slug-3``... as a CMS makes one for a headline used before."""
    n, unique = 1, slug
    while unique in taken:
        n += 1
        unique = f"{slug}-{n}"
    taken.add(unique)
    return unique


def generate(count: int, seed: int = 1, layouts: tuple[str, ...] = LAYOUTS) -> list[SiteStory]:
    """``count`` stories, ``layouts`` in turn, each with its own era, length and topics."""
    rng = random.Random(seed)
    stories = []
    slugs: set[str] = set()
    for i in range(count):
        layout = layouts[i % len(layouts)]
        lang = LANGUAGE.get(layout, "en")
        title = _title(rng, lang)
        shows_topics = layout != "print"
        topics = rng.sample(_TOPICS[lang], rng.randint(1, 3)) if shows_topics else []
        story = SiteStory(
            id=1000 + i, layout=layout, day=_era(rng), title=title, author=rng.choice(_NAMES),
            section=rng.choice(SECTIONS[lang]), topics=topics,
            paragraphs=_paragraphs(rng, lang, _length(rng)), language=lang,
            slug=_unique_slug(_slug(title), slugs))
        if layout == "wire":  # a wire story opens with its dateline
            story.paragraphs[0] = (f"{rng.choice(_PLACES)}, {_MONTHS[story.day.month - 1]} "
                                   f"{story.day.day} - {story.paragraphs[0]}")
        stories.append(story)
    return stories


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
