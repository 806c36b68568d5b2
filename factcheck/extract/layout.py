"""Which lines of a page are the article: headline, date line, page chrome and body.

Pasted pages carry menus, slogans, "Read more" links, bylines, captions and cookie
notices around the article. None of them is a claim; the headline and the date line
become metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from factcheck.extract.dates import find_date, parse_date_line
from factcheck.extract.text import Span, lines_of, word_count

# Lines that are chrome whatever their length.
_CHROME = re.compile(
    r"""^(?:
        (?:read|read\s+more|read\s+also|also\s+read|related|related\s+\w+|see\s+also|more|watch
          |listen|recommended|trending|most\s+read|don['’]t\s+miss|further\s+reading|more\s+on\s+this
          |more\s+from\s+\w+|explainer|opinion|video|podcast|live|tags|topics|filed\s+under)
          \s*(?:[:|»›>]|\s[–—-]\s)
      | (?:photo|photograph|picture|pictured|image|file\s+photo|caption|credit|illustration)s?
          (?:\s+credit)?\s*[:|]
      | (?:image|photo)\s+(?:copyright|caption|source)
      | \(?(?:additional\s+)?(?:reporting|writing|editing)\s+by\b
      | (?:sign\s+up|subscribe)\b
      | (?:follow\s+(?:us|me|him|her|them)\b|click\s+here|download\s+(?:our|the)\s+app|skip\s+to
          |advertisement|sponsored|listen\s+to\s+this\s+(?:article|story)
          |(?:story|article)\s+continues\s+(?:below|after)|continue\s+reading)
      | (?:read|see|more)\s+(?:more\s+)?(?:about|on|from)\b[^:.!?]{0,40}:
      | this\s+(?:article|story)\s+was\s+(?:originally|first)\s+published
      | (?:editor['’]s\s+note|correction)\s*:
      | copyright\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_NAME = r"[A-Z][\w.'’-]+(?:\s+(?:[A-Z][\w.'’-]+|de|van|von|bin|al|la|le|da|del|der)){0,3}"
_BYLINE = re.compile(
    rf"^(?:By|BY)\s+{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*\s*(?:$|[|•·–—-].*$|,\s*[A-Z][\w.'’ -]*$)"
)
# Marks that make any line a caption, credit, notice or share bar.
_CHROME_ANYWHERE = re.compile(
    r"""getty\s+images|shutterstock|(?-i:\bAP\s+Photo\b|\b(?:REUTERS|AFP|EPA|AP)/[A-Z])
      | \((?:photo|image|picture|file)\b[^)]*\)\s*$
      | ©|\bcopyright\s+(?:©|\d{4})|all\s+rights\s+reserved
      | \bshare\s+this\s+(?:article|story|page|post)\b
      | \b(?:edited|condensed)\s+for\s+(?:length|clarity|brevity)\b
      | \b(?:photograph|photo|picture|image|illustration)\s*(?:credit)?\s*:\s*[^.!?]{2,80}$
      | [\[(][^\[\]()]{2,60}/[^\[\]()]{2,40}[\])]\s*$
      | [\[(](?:file|photo|image|picture)\b[^\[\]()]*[\])]\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Notices: a cookie or newsletter word with a word of the notice around it.
_NOTICE_WORDS = re.compile(
    r"\b(?:cookies?|newsletters?)\b.*\b(?:use|policy|accept|consent|browsing|settings|sign|subscribe"
    r"|inbox|email)\b|\b(?:use|policy|accept|consent|browsing|settings|sign|subscribe|inbox|email)\b"
    r".*\b(?:cookies?|newsletters?)\b",
    re.IGNORECASE,
)
# The closing lines of wire copy and the author's biography.
_CONTRIBUTED = re.compile(
    r"\bcontributed\s+(?:to\s+)?(?:this\s+)?(?:report|reporting|story|article)\b", re.IGNORECASE
)
_AUTHOR_BIO = re.compile(
    r"^[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\s+(?:is|was)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,5}?"
    r"(?:journalist|reporter|correspondent|writer|editor|columnist|contributor|producer"
    r"|photographer|freelancer)\b.*\b(?:based\s+in|who\s+(?:covers|writes|reports)|covering"
    r"|writes\s+about|reports\s+on)\b"
)
_CONTRIBUTED_MAX_WORDS = 25
_CHROME_HINT = re.compile(
    r"getty|shutterstock|photo|picture|image|illustration|/|\(|\[|©|copyright|reserved|share"
    r"|edited|condensed",
    re.IGNORECASE,
)
_SLOGAN_MAX_WORDS = 12
_SLOGAN = re.compile(
    r"\bsince\s+(?:1[6-9]|20)\d\d\s*$|\b(?:est\.?|established|founded)\s+(?:in\s+)?\d{4}"
    r"|\bnews\s+you\s+can\s+trust\b|\bindependent\s+journalism\b|^(?:the\s+)?voice\s+of\b",
    re.IGNORECASE,
)
_SOURCE_FOOTER = re.compile(r"^(?:sources?|via|courtesy(?:\s+of)?)\s*[:–—-]\s*(?P<names>.+)$", re.I)
# A line ends like a sentence when punctuation comes before any closing quotes or brackets:
# a heading such as 'Minister: ‘Stay at home’' does not.
_SENTENCE_END = re.compile(r"[.!?…:;][\"”’»)\]]*$")
_ENDS_LIKE_PROSE = re.compile(r"[.!][”’\"»)\]]*$")
_FRAGMENT_MAX_WORDS = 15


@dataclass(frozen=True)
class Layout:
    title: str | None
    published: datetime | None
    body: tuple[Span, ...]
    # "Source: Reuters" lines and short lines after the body began: where a page credits
    # an outlet for the whole text.
    credit_lines: tuple[Span, ...]


def read_layout(
    text: str, *, title: str | None = None, published: datetime | None = None
) -> Layout:
    """Sort the lines of `text`; a known title or date (from HTML metadata) is kept."""
    title_known = title is not None
    body: list[Span] = []
    credit_lines: list[Span] = []
    for line in lines_of(text):
        if _SOURCE_FOOTER.match(line.text):
            credit_lines.append(line)
        elif is_chrome(line.text):
            published = published or (find_date(line.text) if not body else None)
        elif (date := parse_date_line(line.text)) is not None:
            published = published or date
        elif title_known and _same_line(line.text, title):
            continue
        elif not body and not title_known and _could_be_headline(line.text):
            title, title_known = line.text, True
        elif _is_fragment(line.text):
            if body:
                credit_lines.append(line)
        else:
            body.append(line)
    return Layout(title, published, tuple(body), tuple(credit_lines))


def is_chrome(line: str) -> bool:
    lowered = line.lower()
    return bool(
        _CHROME.match(line)
        or _BYLINE.match(line)
        or (_CHROME_HINT.search(line) and _CHROME_ANYWHERE.search(line))
        or (word_count(line) <= _SLOGAN_MAX_WORDS and _SLOGAN.search(line))
        or _is_menu(line)
        or (("cookie" in lowered or "newsletter" in lowered) and _NOTICE_WORDS.search(line))
        or (
            "contributed" in lowered
            and word_count(line) <= _CONTRIBUTED_MAX_WORDS
            and _CONTRIBUTED.search(line) is not None
        )
        or _AUTHOR_BIO.match(line) is not None
    )


def _is_menu(line: str) -> bool:
    # "World | Europe | Climate"
    return line.count(" | ") + line.count(" • ") >= 2


def source_footer_names(line: str) -> str | None:
    """The names after "Source:" on a footer line."""
    match = _SOURCE_FOOTER.match(line)
    return match.group("names") if match else None


def _could_be_headline(line: str) -> bool:
    # A headline is one unfinished sentence: 'Trump says "no deal"' but not '"No deal."'
    words = word_count(line)
    return 3 <= words <= 30 and not _ENDS_LIKE_PROSE.search(line)


def _is_fragment(line: str) -> bool:
    # Menu words, section heads and sub-heads: no sentence punctuation and short.
    return not _SENTENCE_END.search(line) and word_count(line) < _FRAGMENT_MAX_WORDS


def _same_line(line: str, title: str) -> bool:
    return " ".join(line.split()).casefold() == " ".join(title.split()).casefold()
