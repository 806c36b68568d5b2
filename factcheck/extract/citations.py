"""Which outlets a sentence credits for its information, and which the whole text credits.

A sentence credits an outlet when the information comes through it ("told Reuters",
"according to the BBC", "Al Jazeera reported", "in an interview with CNN"), never when
the outlet is only what the story is about ("Trump accused the New York Times of ...").
The whole text credits an outlet through a wire dateline ("MOSCOW (Reuters) -"), a
"Source: Al Jazeera" footer, or by being framed as an interview with it.
"""

from __future__ import annotations

import bisect
import re

from factcheck.extract.gazetteer import find_outlets
from factcheck.extract.layout import source_footer_names
from factcheck.extract.lexicon import NATIONALITIES, words
from factcheck.extract.speakers import QUOTE_MASK
from factcheck.extract.text import Span
from factcheck.outlets.registry import OutletMention, Registry

# Words that describe an outlet between the verb and its name ("told the state-run TASS
# news agency", "according to the German news agency dpa").
_DESCRIPTOR = (
    r"(?:[a-z]+-[a-z-]+|state|independent|business|financial|economic|news|daily|weekly|agency"
    r"|newspaper|broadsheet|tabloid|broadcaster|public|private|opposition|online|website|site"
    r"|channel|television|tv|radio|magazine|outlet|publication|investigative|local|national"
    r"|regional|official|government|wire|service|media|conservative|liberal|leading"
    rf"|{'|'.join(sorted(NATIONALITIES))})"
)
_DESCRIPTOR_WORD = re.compile(rf"(?:the|{_DESCRIPTOR})", re.IGNORECASE)


def describes_an_outlet(word: str) -> bool:
    """ "state-run", "newspaper", "German": a word that may stand next to an outlet's name."""
    return _DESCRIPTOR_WORD.fullmatch(word) is not None


_CITING_BEFORE = re.compile(
    rf"""(?:\b(?:told|tell|tells|telling)
      | \b(?:said|says|speaking|spoke|talking|talked|comments?|remarks?|statement|confirmed
          |explained|revealed|admitted|wrote|writing|write|appearing|appeared|interview(?:ed)?
          |op-ed|column|letter)\s+(?:to|with|in|on|for)
      | \binterview\s+(?:with|to|on|for)
      | \b(?:according\s+to|reported\s+by|quoted\s+by|cited\s+by|seen\s+by|obtained\s+by
          |reviewed\s+by|published\s+by|broadcast\s+by|aired\s+by|carried\s+by|released\s+to
          |leaked\s+to|provided\s+to|given\s+to|interviewed\s+by|contacted\s+by|verified\s+by
          |compiled\s+by|gathered\s+by|collected\s+by|conducted\s+by|commissioned\s+by
          |sat\s+down\s+with|citing)
      | \b(?:report|reporting|investigation|analysis|article|story|survey|poll|tally|review
          |documents?|footage|interview|broadcast|data)\s+(?:by|from|in|on|for|with)
    )\s+(?:(?:the|a|an)\s+)?(?:{_DESCRIPTOR}\s+){{0,3}}$""",
    re.IGNORECASE | re.VERBOSE,
)
_CITING_AFTER = re.compile(
    r"""(?:['’]s?\s+(?:own\s+|latest\s+|exclusive\s+|new\s+)?
          (?:report|reporting|investigation|analysis|tally|survey|poll|review|count|calculations
          |interview|exclusive|sources)\b
      | \s+(?:report|investigation|analysis|tally|survey|poll|calculations|interview)\b
      | (?:\s+(?:news\s+agency|newspaper|broadcaster|agency|network|channel|television|TV
          |website|daily|business\s+daily|business\s+newspaper|news\s+site|news\s+website
          |magazine|weekly|tabloid))?
        (?:\s+(?:has|had|also|first|previously|earlier|exclusively|later))*
        \s+(?:reported|reports|quoted|quotes|cited|cites|said|says|learned|learnt|revealed
          |reveals|obtained|published|wrote|writes|found|confirmed|broke|aired|broadcast)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# "told the newspaper": the outlet named last before.
_OUTLET_NOUN = (
    r"(?:outlet|newspaper|paper|broadcaster|news\s+agency|agency|network|channel|magazine"
    r"|daily|publication|website|tabloid|station|wire\s+service)"
)
_OUTLET_NOUN_HINT = re.compile(
    r"outlet|paper|broadcaster|agency|network|channel|magazine|daily|publication|website"
    r"|tabloid|station|wire"
)
_BACK_REFERENCE = re.compile(
    rf"\b(?:told|tells|according\s+to|speaking\s+to|interview\s+with|quoted\s+by|reported\s+by"
    rf"|cited\s+by)\s+(?:the|this)\s+{_OUTLET_NOUN}\b"
    rf"|\b[Tt]he\s+{_OUTLET_NOUN}\s+(?:(?:has|had|also)\s+)?(?:reported|quoted|cited|learned)\b",
    re.IGNORECASE,
)
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’-]+(?:[ /-][A-Z][A-Z.'’-]+)*(?:,\s*[A-Z][\w.'’ -]{1,30}?){0,2}\s*)?"
    r"\((?P<credit>[^()]{2,40})\)\s*(?:-{1,2}|[–—:])\s*"
)
_INTERVIEW_FRAME = re.compile(
    r"^In\s+an?\s+(?:[\w-]+\s+){0,3}interview\s+(?:with|to)\s+(?:the\s+)?", re.IGNORECASE
)
# An article presented as an interview's highlights, excerpts or transcript.
_PRESENTED_AS_INTERVIEW = re.compile(
    r"\b(?:highlights|excerpts|takeaways|transcript|edited\s+for\s+(?:length|clarity|brevity)"
    r"|condensed\s+for|Q\s*&\s*A)\b",
    re.IGNORECASE,
)
_INTERVIEW_VERB = re.compile(
    r"\b(?:interview(?:ed)?|sat\s+down\s+with|spoke\s+(?:to|with)|talked\s+(?:to|with)|conversation)\b",
    re.IGNORECASE,
)
_HEAD_CHARS = 2500
_NAME_LIST_SEPARATOR = re.compile(r"\s*(?:[,;/&+]|\band\b)\s*", re.IGNORECASE)
_CREDIT_FILLER = words("with and the news agency agencies wires additional")
_CONTEXT = 80


# "the Guardian": an outlet whose canonical name starts with "The", written with a small "the".
_THE_NAME = re.compile(r"\bthe\s+(?P<name>[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,3})(?![\w’'-])")


class OutletIndex:
    """The outlet mentions of the whole text, found once, for quick look-ups by position."""

    def __init__(self, mentions: list[OutletMention]):
        self._mentions = mentions
        self._starts = [m.start for m in mentions]

    @classmethod
    def of_text(cls, text: str, registry: Registry) -> OutletIndex:
        mentions = find_outlets(registry, text)
        taken = {m.start for m in mentions}
        for match in _THE_NAME.finditer(text):
            if match.start("name") in taken:
                continue
            outlet = registry.lookup(f"the {match.group('name')}")
            if outlet is not None:
                mentions.append(OutletMention(outlet, match.start("name"), match.end("name")))
        mentions.sort(key=lambda mention: mention.start)
        return cls(mentions)

    def within(self, start: int, end: int) -> list[OutletMention]:
        lo = bisect.bisect_left(self._starts, start)
        hi = bisect.bisect_left(self._starts, end)
        return self._mentions[lo:hi]

    def last_before(self, position: int) -> OutletMention | None:
        index = bisect.bisect_left(self._starts, position)
        return self._mentions[index - 1] if index else None


def cited_outlets(sentence: Span, masked: str, outlets: OutletIndex) -> tuple[str, ...]:
    """The outlets the sentence credits, outside its quotations, in order of mention."""
    names: list[str] = []
    for mention in outlets.within(sentence.start, sentence.end):
        start, end = mention.start - sentence.start, mention.end - sentence.start
        if masked[start] == QUOTE_MASK:
            continue
        before = masked[max(0, start - _CONTEXT) : start]
        if _CITING_BEFORE.search(before) or _CITING_AFTER.match(masked, end):
            names.append(mention.outlet.name)
    references = _BACK_REFERENCE.finditer(masked) if _OUTLET_NOUN_HINT.search(masked) else ()
    for reference in references:
        earlier = outlets.last_before(sentence.start + reference.start())
        if earlier is not None:
            names.append(earlier.outlet.name)
    return tuple(dict.fromkeys(names))


def split_dateline(paragraph: Span, registry: Registry) -> tuple[Span, tuple[str, ...]]:
    """The paragraph without a wire dateline ("PARIS (AFP) —"), and the outlets it credits."""
    match = _DATELINE.match(paragraph.text)
    if match is None:
        return paragraph, ()
    names = _outlet_names(match.group("credit"), registry)
    if not names:
        return paragraph, ()
    return paragraph.cut(match.end(), len(paragraph.text)), names


def footer_credits(lines: tuple[Span, ...], registry: Registry) -> tuple[str, ...]:
    """Outlets credited by "Source: Reuters" lines or by lines naming only outlets."""
    names: list[str] = []
    for line in lines:
        footer = source_footer_names(line.text)
        if footer is not None:
            names.extend(_outlet_names(footer, registry))
        elif _only_outlets(line.text, registry):
            names.extend(_outlet_names(line.text, registry))
    return tuple(dict.fromkeys(names))


def interview_frame_credit(first_sentence: str, registry: Registry) -> tuple[str, ...]:
    """The outlet of an article framed as an interview ("In an interview with CNN, ...")."""
    match = _INTERVIEW_FRAME.match(first_sentence)
    if match is None:
        return ()
    mentions = find_outlets(registry, first_sentence[match.end() : match.end() + 60])
    return (mentions[0].outlet.name,) if mentions and mentions[0].start == 0 else ()


def presented_interview_credit(text: str, opening: list[tuple[str, tuple[str, ...]]]) -> tuple:
    """The outlet of an article presented as highlights (excerpts, a transcript) of an
    interview with it: the opening sentence cites it for an interview, and the page says
    how the interview is presented."""
    if not _PRESENTED_AS_INTERVIEW.search(text, 0, _HEAD_CHARS):
        return ()
    for sentence, outlets in opening:
        if outlets and _INTERVIEW_VERB.search(sentence):
            return outlets[:1]
    return ()


def _outlet_names(text: str, registry: Registry) -> tuple[str, ...]:
    found = [m.outlet.name for m in find_outlets(registry, text)]
    if not found:
        # A footer may write the name in lower case ("source: al jazeera").
        parts = (registry.lookup(part) for part in _NAME_LIST_SEPARATOR.split(text.strip(" .")))
        found = [outlet.name for outlet in parts if outlet is not None]
    return tuple(dict.fromkeys(found))


def _only_outlets(line: str, registry: Registry) -> bool:
    mentions = find_outlets(registry, line)
    if not mentions:
        return False
    rest = line
    for mention in reversed(mentions):
        rest = rest[: mention.start] + " " + rest[mention.end :]
    return all(word.lower() in _CREDIT_FILLER for word in re.findall(r"[^\W\d_]+", rest))
