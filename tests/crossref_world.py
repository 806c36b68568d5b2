"""A small world of outlets on the loopback simulator for cross-reference tests: Reuters
printed the diplomat's quote a word short, Al Jazeera had its quote from AFP, and AFP
has the original. The outlets' feeds list their stories."""

from __future__ import annotations

from pathlib import Path

from tests.harness import OutletSimulator

REUTERS_STORY = """<html><head><title>NATO set to join anti-Islamic State coalition</title></head>
<body><article><h1>NATO set to join anti-Islamic State coalition, diplomats say</h1>
<p>BRUSSELS (Reuters) - NATO is set to join the U.S.-led coalition fighting Islamic State,
diplomats said on Wednesday, in a show of unity after the Manchester attack.</p>
<p>"NATO as an institution will join the coalition," one senior diplomat involved in the
discussions told Reuters. "The question is whether this just a symbolic gesture to the
United States. France and Germany believe it is."</p>
<p>Other allies want the alliance to do more in training Iraqi forces.</p>
</article></body></html>"""

ALJAZEERA_STORY = """<html><head><title>NATO to join coalition against ISIL</title></head>
<body><article><h1>NATO to join coalition against ISIL</h1>
<p>The NATO ambassadors decided this evening an action plan on terrorism for the summit,
one diplomatic source told the AFP news agency. It includes the accession of NATO to the
global coalition against ISIL.</p>
<p>The decision is expected to be announced at the summit in Brussels.</p>
</article></body></html>"""

AFP_STORY = """<html><head><title>NATO agrees terror action plan ahead of summit</title></head>
<body><article><h1>NATO agrees terror action plan ahead of summit</h1>
<p>"The NATO ambassadors decided this evening an action plan on terrorism for the summit.
It includes the accession of NATO to the global coalition against IS," a diplomatic
source said.</p></article></body></html>"""


def feed(base: str, path: str, title: str) -> str:
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>feed</title>
<item><title>{title}</title><link>{base}{path}</link>
<pubDate>Thu, 25 May 2017 09:00:00 GMT</pubDate></item>
<item><title>Weather in Brussels</title><link>{base}/weather</link></item>
</channel></rss>"""


def build(outlets: OutletSimulator, folder: Path) -> Path:
    """Serve the world; the outlets file that points factcheck's registry at it."""
    base = outlets.base_url
    stories = {
        "reuters": (
            "/reuters/nato-coalition",
            REUTERS_STORY,
            "NATO set to join anti-Islamic State coalition",
        ),
        "aljazeera": (
            "/aljazeera/nato-isil",
            ALJAZEERA_STORY,
            "NATO to join coalition against ISIL",
        ),
        "afp": (
            "/afp/nato-action-plan",
            AFP_STORY,
            "NATO agrees terror action plan ahead of summit",
        ),
    }
    for name, (path, story, title) in stories.items():
        outlets.page(path, story)
        outlets.page(
            f"/{name}/feed.xml", feed(base, path, title), content_type="application/rss+xml"
        )
    outlets.page("/weather", "<html><body><p>Rain all week in Brussels.</p></body></html>")
    outlets.page("/robots.txt", "", status=404)
    registry_file = folder / "outlets.toml"
    registry_file.write_text(
        f"""
[[outlets]]
name = "Reuters"
aliases = ["Reuters news agency", "Thomson Reuters"]
domains = ["reuters.com", "127.0.0.1"]
feeds = ["{base}/reuters/feed.xml"]

[[outlets]]
name = "Al Jazeera"
aliases = ["Al Jazeera English", "Aljazeera"]
domains = ["aljazeera.com", "127.0.0.1"]
feeds = ["{base}/aljazeera/feed.xml"]

[[outlets]]
name = "AFP"
aliases = ["Agence France-Presse", "AFP news agency"]
domains = ["afp.com", "127.0.0.1"]
feeds = ["{base}/afp/feed.xml"]
""",
        encoding="utf-8",
    )
    return registry_file
