"""How well gathering attaches the true source to a claim, on hard cases (issue 13).

A world of six simulated outlets on loopback (127.0.0.2 to 127.0.0.7) and a web archive
with a news search (127.0.0.8), made from a fixed seed. Each event has a true source (a
story quoting a named speaker) and three distractors from the same outlet and week that
share at least two of its named entities. Each outlet's stories can be found by one
route only (issue 14 added the last three):

- a feed;
- a search page whose navigation links to the home page and sections;
- a news sitemap beside a search page built by JavaScript (no results in its HTML);
- full sitemaps, one per month, in an index that only the outlet's robots.txt names;
- the web archive's index (CDX) alone; every other source page is gone from the
  outlet's site (404), so only its archived copy (Memento) can be read;
- the news search (GDELT DOC 2.0) alone.

The three new outlets' feeds list one story of today only. Each home page lists every
headline with a teaser of the quote.

Each event gives one claim, of one of seven kinds: the quote as printed; the quote with
a word dropped; the quote with a word changed in its second sentence; the quote given to
another speaker (who may share the speaker's surname); a fabricated quote on the same
subject; a paraphrase of what was said; the quote credited to an outlet that did not
publish it. Every kind comes at every outlet. The claims are gathered in batches of
eight, as the workers do, and the bench prints:

- source recall@1: the true source first among the pages that bear on the claim
  (supports, contradicts, related), over the claims that have one;
- false attachment: claims with a page that is not their source, given a meaning that
  bears on the claim (for a fabricated quote, any page that supports or relates; for a
  wrong outlet's credit, any page that bears on it at all);
- `quote differs` precision and recall, over the dropped, changed and misattributed
  quotes;
- fabricated quotes without supporting evidence;
- source recall@1 by route;
- requests to the busiest host and pages read per claim.

Targets (issue 13, kept with issue 14's routes): recall@1 >= 0.95, false attachment
<= 2 %, `quote differs` precision >= 0.95 and recall >= 0.90, fabricated 100 % without
support.

    .venv/bin/python bench/evidence.py [--events 42] [--seed 13] [--misses]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository, in place of bench/ (whose queue.py would hide the standard library's).
sys.path[0] = str(ROOT)

import argparse
import random
import tempfile
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from factcheck.crossref import FetchPolicy, WarcArchive
from factcheck.crossref.align import QUOTE_DIFFERS
from factcheck.crossref.gather import ClaimInArticle, Gathered, gather_batch
from factcheck.crossref.outcomes import CONTRADICTS, RELATED, SUPPORTS, meaning_of
from factcheck.crossref.routes import Routes
from factcheck.outlets.registry import load_registry
from tests.harness import OutletSimulator
from tests.web_archive_world import NewsItem, PlayedArchive

HOSTS = {
    "Northern Wire": "127.0.0.2",
    "Capital Courier": "127.0.0.3",
    "Harbour Post": "127.0.0.4",
    "Valley Times": "127.0.0.5",
    "Lakeside Ledger": "127.0.0.6",
    "Metro Daily": "127.0.0.7",
}
ROUTE_OF = {
    "Northern Wire": "feed",
    "Capital Courier": "site search",
    "Harbour Post": "news sitemap",
    "Valley Times": "full sitemap (robots.txt)",
    "Lakeside Ledger": "web archive",
    "Metro Daily": "news search",
}
ARCHIVE_HOST = "127.0.0.8"
# The outlets whose story addresses carry the headline's words, as most sites' do: a full
# sitemap or an archive's index gives little else to rank a story by.
SLUGGED = frozenset({"Valley Times", "Lakeside Ledger"})
NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)  # the events are of the two months before
KINDS = (
    "exact",
    "dropped",
    "changed",
    "other speaker",
    "fabricated",
    "paraphrase",
    "wrong outlet",
)
WITHOUT_SOURCE = {"fabricated", "wrong outlet"}
DIFFERS = {"dropped", "changed", "other speaker"}
BEARING = {SUPPORTS, CONTRADICTS, RELATED}
JS_SEARCH = "<html><body><div id='app'></div><script>load()</script></body></html>"
FIRST_NAMES = ["Anna", "Tomas", "Leila", "Marcus", "Ines", "Olu", "Priya", "Henrik", "Sofia"]
LAST_NAMES = ["Kowalski", "Brandt", "Haddad", "Okafor", "Lindqvist", "Moreau", "Varga", "Sato"]
ROLES = ["Transport Minister", "Mayor", "Health Secretary", "union leader", "Finance Minister"]
PLACES = ["Riverton", "Eastfield", "Port Alma", "Kessel", "Dunmore", "Vale Heights", "Norrby"]
BODIES = ["the Regional Council", "the Water Board", "the Rail Authority", "the Ports Agency"]
THINGS = ["engineers", "nurses", "buses", "inspectors", "teachers", "generators"]
PROJECTS = ["the new bridge", "the flood wall", "the hospital wing", "the tram line"]
SEASONS = ["the winter", "the summer", "the election", "the end of March"]


@dataclass(frozen=True)
class Event:
    number: int
    outlet: str
    speaker: str
    other_speaker: str
    place: str
    body: str
    count: int
    thing: str
    project: str
    season: str
    day: datetime

    @property
    def first(self) -> str:
        return f"We will send {self.count} {self.thing} to {self.place} before {self.season}."

    @property
    def second(self) -> str:
        return f"{self.body.capitalize()} has agreed to pay for {self.project} in full."

    @property
    def quote(self) -> str:
        return f"{self.first} {self.second}"

    @property
    def path(self) -> str:
        if self.outlet in SLUGGED:  # found by its address's words
            return f"/news/{self.day:%Y/%m/%d}/{slug(self.headline)}-story-{self.number}"
        return f"/news/{self.day:%Y/%m/%d}/story-{self.number}"

    @property
    def headline(self) -> str:
        return f"{self.body.capitalize()} to send {self.thing} to {self.place}"

    @property
    def gone(self) -> bool:
        """Whether the source is gone from its site, readable only in the archive."""
        return self.outlet == "Lakeside Ledger" and (self.number // len(HOSTS)) % 2 == 1

    @property
    def route(self) -> str:
        return "archived copy (page gone)" if self.gone else ROUTE_OF[self.outlet]


def make_events(count: int, rng: random.Random) -> list[Event]:
    start = datetime(2026, 10, 5, 9, tzinfo=UTC)
    events = []
    # Each event's speaker is quoted in no other event: the quotes share one template, so
    # one person's two quotes would differ by a few words, as a misquote does.
    everyone = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    speakers = rng.sample(everyone, min(count, len(everyone)))
    for number in range(count):
        speaker = speakers[number % len(speakers)]
        people = [speaker, rng.choice([p for p in everyone if p != speaker])]
        role = rng.choice(ROLES)
        events.append(
            Event(
                number=number,
                outlet=list(HOSTS)[number % len(HOSTS)],
                speaker=f"{role} {people[0]}",
                other_speaker=f"{rng.choice(ROLES)} {people[1]}",
                place=rng.choice(PLACES),
                body=rng.choice(BODIES),
                count=rng.randrange(12, 480),
                thing=rng.choice(THINGS),
                project=rng.choice(PROJECTS),
                season=rng.choice(SEASONS),
                day=start + timedelta(days=rng.randrange(0, 40)),
            )
        )
    return events


def story(headline: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    nav = '<nav><a href="/">Home</a> <a href="/section/politics">Politics</a></nav>'
    return (
        f"<html><head><title>{headline}</title></head><body>{nav}<article><h1>{headline}"
        f"</h1>{body}</article></body></html>"
    )


def source_page(event: Event) -> str:
    return story(
        event.headline,
        [
            f"{event.body.capitalize()} met in {event.place} on {event.day:%A} to discuss "
            f"{event.project}.",
            f'"{event.quote}" {event.speaker} told reporters after the meeting.',
            f"Critics in {event.place} said the plan came too late.",
        ],
    )


def distractor(event: Event, n: int, rng: random.Random) -> tuple[str, str, str]:
    """A story of the same outlet and week sharing the event's place and body."""
    other = rng.choice([t for t in THINGS if t != event.thing])
    headline = f"{event.body.capitalize()} officials visit {event.place}"
    said = (
        f'"We are listening to everyone in {event.place}," a spokesperson for {event.body} '
        f"said, adding that {other} would be reviewed."
    )
    page = story(
        headline,
        [
            f"Officials from {event.body} toured {event.place} on {event.day:%A}.",
            said,
            f"The visit follows weeks of debate over {rng.choice(PROJECTS)}.",
        ],
    )
    if event.outlet in SLUGGED:
        return f"/news/{event.day:%Y/%m/%d}/{slug(headline)}-{event.number}-{n}", headline, page
    return f"{event.path}-related-{n}", headline, page


def slug(headline: str) -> str:
    return "-".join(headline.lower().split())


def wrong_outlet(event: Event) -> str:
    """An outlet that did not publish the event's story."""
    names = list(HOSTS)
    return names[(names.index(event.outlet) + 1) % len(names)]


def cited_outlet(event: Event, kind: str) -> str:
    return wrong_outlet(event) if kind == "wrong outlet" else event.outlet


def claim_text(event: Event, kind: str, rng: random.Random) -> str:
    outlet = cited_outlet(event, kind)
    if kind in ("exact", "wrong outlet"):
        return f'"{event.quote}" {event.speaker} told {outlet}.'
    if kind == "dropped":
        words = event.first.split()
        del words[rng.randrange(3, len(words) - 1)]
        return f'"{" ".join(words)} {event.second}" {event.speaker} told {outlet}.'
    if kind == "changed":
        second = event.second.replace("in full", "in part")
        return f'"{event.first} {second}" {event.speaker} told {outlet}.'
    if kind == "other speaker":
        return f'"{event.quote}" {event.other_speaker} told {outlet}.'
    if kind == "fabricated":
        return (
            f'"{event.body.capitalize()} will close every office in {event.place} next year," '
            f"{event.speaker} told {outlet}."
        )
    return (
        f"{event.speaker} said {event.body} would send {event.count} {event.thing} to "
        f"{event.place} and pay for {event.project}, {outlet} reported."
    )


def build_world(stack: ExitStack, events: list[Event], rng: random.Random, folder: Path) -> tuple:
    simulators = {name: OutletSimulator(host=host) for name, host in HOSTS.items()}
    played = OutletSimulator(host=ARCHIVE_HOST)
    archive = PlayedArchive(played)
    pages: dict[str, list[tuple[str, str, datetime]]] = {name: [] for name in HOSTS}
    texts: dict[str, str] = {}  # what the news search indexes of each story
    for event in events:
        texts[event.path] = source_page(event)
        sim = simulators[event.outlet]
        sim.page(
            event.path, *(("Not found", "text/plain", 404) if event.gone else (source_page(event),))
        )
        pages[event.outlet].append((event.path, event.headline, event.day))
        if event.gone:
            archive.capture(sim.url(event.path), event.day + timedelta(hours=3), source_page(event))
        for n in range(3):
            path, headline, page = distractor(event, n, rng)
            sim.page(path, page)
            texts[path] = page
            pages[event.outlet].append((path, headline, event.day + timedelta(hours=n + 1)))
    for name, sim in simulators.items():
        listed = pages[name]
        if name == "Lakeside Ledger":
            captured = {capture.url for capture in archive.captures}
            for path, _headline, day in listed:
                if sim.url(path) not in captured:  # the live page is read, not this copy
                    archive.capture(sim.url(path), day + timedelta(hours=3), "")
        if name == "Metro Daily":
            archive.news += [
                NewsItem(sim.url(path), headline, day, text=texts[path])
                for path, headline, day in listed
            ]
        if name == "Valley Times":
            sim.page("/robots.txt", f"Sitemap: {sim.url('/sitemaps/index.xml')}\n", "text/plain")
        else:
            sim.page("/robots.txt", "", status=404)
        teasers = "".join(
            f'<li><a href="{path}">{headline}</a></li>' for path, headline, _day in listed
        )
        quotes = "".join(f"<li>{e.first}</li>" for e in events if e.outlet == name)
        sim.page("/", story(f"{name}: home", [f"<ul>{teasers}</ul>", f"<ul>{quotes}</ul>"]))
        sim.page("/section/politics", story(f"{name}: politics", [f"<ul>{teasers}</ul>"]))
        items = "".join(
            f"<item><title>{headline}</title><link>{sim.url(path)}</link>"
            f"<pubDate>{day:%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
            for path, headline, day in listed
        )
        sim.page(
            "/feed.xml",
            f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>',
            content_type="application/rss+xml",
        )
        urls = "".join(
            f"<url><loc>{sim.url(path)}</loc><lastmod>{day:%Y-%m-%d}</lastmod></url>"
            for path, _headline, day in listed
        )
        sim.page(
            "/sitemap.xml",
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>",
            content_type="application/xml",
        )
        sim.page("/search", story("Search", [f"<ol class='results'>{teasers}</ol>"]))
        sim.page("/js-search", JS_SEARCH)
        serve_full_sitemaps(sim, listed)
        stack.enter_context(sim.running())
    stack.enter_context(played.running())
    wire, courier, harbour = (simulators[name] for name in list(HOSTS)[:3])
    registry_file = folder / "outlets.toml"
    registry_file.write_text(
        f'[[outlets]]\nname = "Northern Wire"\ndomains = ["{HOSTS["Northern Wire"]}"]\n'
        f'feeds = ["{wire.url("/feed.xml")}"]\n\n'
        f'[[outlets]]\nname = "Capital Courier"\ndomains = ["{HOSTS["Capital Courier"]}"]\n'
        f'search_url = "{courier.url("/search")}?q={{query}}"\n\n'
        f'[[outlets]]\nname = "Harbour Post"\ndomains = ["{HOSTS["Harbour Post"]}"]\n'
        f'sitemaps = ["{harbour.url("/sitemap.xml")}"]\n'
        f'search_url = "{harbour.url("/js-search")}?q={{query}}"\n'
        + "".join(
            f'\n[[outlets]]\nname = "{name}"\ndomains = ["{HOSTS[name]}"]\n'
            f'feeds = ["{simulators[name].url("/today.xml")}"]\n'
            for name in ("Valley Times", "Lakeside Ledger", "Metro Daily")
        ),
        encoding="utf-8",
    )
    for name in ("Valley Times", "Lakeside Ledger", "Metro Daily"):
        sim = simulators[name]
        today = f"<item><title>Weather today</title><link>{sim.url('/weather')}</link></item>"
        sim.page(
            "/today.xml",
            f'<?xml version="1.0"?><rss version="2.0"><channel>{today}</channel></rss>',
            content_type="application/rss+xml",
        )
        sim.page("/weather", story("Weather", ["Rain all week, the forecast says."]))
    routes = Routes(
        archive_index_url=archive.index_url,
        archive_timemap_url=archive.timemap_url,
        news_search_url=archive.news_url,
    )
    return {**simulators, "web archive": played}, load_registry(registry_file), routes


def serve_full_sitemaps(sim: OutletSimulator, listed: list[tuple[str, str, datetime]]) -> None:
    """Sitemaps of the outlet's stories, one per month, in an index its robots.txt names
    (only the Valley Times's robots.txt names it: the others have none)."""
    months = sorted({day.strftime("%Y-%m") for _path, _headline, day in listed})
    for month in months:
        urls = "".join(
            f"<url><loc>{sim.url(path)}</loc><lastmod>{day:%Y-%m-%d}</lastmod></url>"
            for path, _headline, day in listed
            if day.strftime("%Y-%m") == month
        )
        sim.page(
            f"/sitemaps/sitemap-{month}.xml",
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>",
            content_type="application/xml",
        )
    children = "".join(
        f"<sitemap><loc>{sim.url(f'/sitemaps/sitemap-{m}.xml')}</loc></sitemap>" for m in months
    )
    sim.page(
        "/sitemaps/index.xml",
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{children}</sitemapindex>",
        content_type="application/xml",
    )


def bearing_pages(gathered: Gathered) -> list:
    """The pages that bear on the claim, best first."""
    read = [e for e in gathered.evidence if e.alignment is not None]
    found = [e for e in read if meaning_of(e.hints) in BEARING]
    return sorted(found, key=lambda e: e.alignment.score, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=42)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--misses", action="store_true", help="list each claim that missed, and its pages"
    )
    options = parser.parse_args()
    rng = random.Random(options.seed)
    events = make_events(options.events, rng)
    # Each kind at every outlet: the outlet turns with each event, the kind every third.
    kinds = [KINDS[(n // len(HOSTS)) % len(KINDS)] for n in range(len(events))]
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        simulators, registry, routes = build_world(stack, events, rng, Path(folder))
        claims = [
            ClaimInArticle(
                text=claim_text(event, kind, rng),
                speaker=event.other_speaker if kind == "other speaker" else event.speaker,
                kind="statement" if kind == "paraphrase" else "quote",
                cited_outlets=(cited_outlet(event, kind),),
                article_text=f"A story that cites its sources. {claim_text(event, kind, rng)}",
                published=event.day + timedelta(hours=6),
            )
            for event, kind in zip(events, kinds, strict=True)
        ]
        policy = FetchPolicy(
            allow_hosts=(*HOSTS.values(), ARCHIVE_HOST), per_host_limit=4, min_delay=0.0
        )
        archive = WarcArchive(Path(folder) / "archive")
        gathered: list[Gathered] = []
        for first in range(0, len(claims), 8):
            gathered += gather_batch(
                claims[first : first + 8],
                registry=registry,
                policy=policy,
                archive=archive,
                routes=routes,
                now=NOW,
            )
        requests = {name: len(sim.requests) for name, sim in simulators.items()}
    report(events, kinds, gathered, requests)
    if options.misses:
        show_misses(events, kinds, gathered)


def show_misses(events: list[Event], kinds: list[str], gathered: list[Gathered]) -> None:
    """Each claim whose true source is not first among its bearing pages, or that has a
    bearing page other than its source: every page read for it, with its hints."""
    for event, kind, found in zip(events, kinds, gathered, strict=True):
        bearing = bearing_pages(found)
        first_is_source = bool(bearing) and bearing[0].url.endswith(event.path)
        elsewhere = any(not e.url.endswith(event.path) for e in bearing)
        differs_missed = kind in DIFFERS and not any(
            QUOTE_DIFFERS in e.hints for e in bearing if e.url.endswith(event.path)
        )
        if kind in WITHOUT_SOURCE:
            first_is_source = True
            elsewhere = (
                bool(bearing)
                if kind == "wrong outlet"
                else any(meaning_of(e.hints) in (SUPPORTS, RELATED) for e in bearing)
            )
        if first_is_source and not elsewhere and not differs_missed:
            continue
        print(f"- {kind}: story-{event.number} at {event.outlet}")
        for page in found.evidence:
            score = page.alignment.score if page.alignment else 0.0
            print(f"    {page.url.split('/news/')[-1]:<36} {score:5.2f} {', '.join(page.hints)}")


def report(events: list[Event], kinds: list[str], gathered: list[Gathered], requests) -> None:
    tally: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    by_route: dict[str, Counter[str]] = {}
    for event, kind, found in zip(events, kinds, gathered, strict=True):
        bearing = bearing_pages(found)
        is_source = [e.url.endswith(event.path) for e in bearing]
        differs = any(QUOTE_DIFFERS in e.hints for e in bearing if e.url.endswith(event.path))
        if kind == "fabricated":
            supported = any(meaning_of(e.hints) in (SUPPORTS, RELATED) for e in bearing)
            tally["fabricated"] += 1
            tally["fabricated unsupported"] += not supported
            tally["false attachment"] += supported
        elif kind == "wrong outlet":
            supported = bool(bearing)
            tally["false attachment"] += supported
        else:
            tally["with source"] += 1
            tally["recall@1"] += bool(is_source) and is_source[0]
            tally["false attachment"] += not all(is_source)
            route = by_route.setdefault(event.route, Counter())
            route["claims"] += 1
            route["source first"] += bool(is_source) and is_source[0]
        first = bearing[0] if bearing else None
        by_kind[kind]["claims"] += 1
        by_kind[kind]["source first"] += bool(is_source) and is_source[0]
        by_kind[kind]["attached elsewhere"] += (
            supported if kind in WITHOUT_SOURCE else not all(is_source)
        )
        by_kind[kind][f"first: {first.hints[0] if first else 'nothing'}"] += 1
        tally["differs said"] += differs
        tally["differs right"] += differs and kind in DIFFERS
        tally["differs cases"] += kind in DIFFERS
        tally["pages read"] += sum(e.alignment is not None for e in found.evidence)
    claims = len(events)
    precision = tally["differs right"] / tally["differs said"] if tally["differs said"] else 0.0
    recall = tally["differs right"] / tally["differs cases"] if tally["differs cases"] else 0.0
    figures = [
        ("source recall@1", tally["recall@1"] / tally["with source"], ">= 0.95", 0.95, True),
        ("false attachment", tally["false attachment"] / claims, "<= 0.02", 0.02, False),
        ("quote differs precision", precision, ">= 0.95", 0.95, True),
        ("quote differs recall", recall, ">= 0.90", 0.90, True),
        (
            "fabricated without support",
            tally["fabricated unsupported"] / tally["fabricated"],
            "= 1.00",
            1.0,
            True,
        ),
    ]
    print(f"{claims} claims ({', '.join(f'{kinds.count(k)} {k}' for k in KINDS)})")
    for name, value, target, bound, at_least in figures:
        met = value >= bound if at_least else value <= bound
        print(f"{name:<28} {value:6.2f}   target {target:<8} {'met' if met else 'NOT met'}")
    for kind, counts in by_kind.items():
        best = sorted((k[7:], n) for k, n in counts.items() if k.startswith("first: "))
        hints = ", ".join(f"{n} {hint}" for hint, n in best)
        first = "-" if kind in WITHOUT_SOURCE else f"{counts['source first']}/{counts['claims']}"
        print(
            f"  {kind:<14} source first {first}, attached elsewhere "
            f"{counts['attached elsewhere']}; best page's hint: {hints}"
        )
    print("source recall@1 by route (claims with a source):")
    for route, counts in sorted(by_route.items()):
        share = counts["source first"] / counts["claims"]
        print(f"  {route:<27} {share:5.2f} ({counts['source first']}/{counts['claims']})")
    busiest = max(requests.items(), key=lambda item: item[1])
    print(f"requests to the busiest host: {busiest[1]} ({busiest[0]})")
    print(f"pages read per claim: {tally['pages read'] / claims:.1f}")


if __name__ == "__main__":
    main()
