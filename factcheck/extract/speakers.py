"""Who said it: the speaker phrase of a sentence, what kind of speaker it is, and the
simple coreference that turns "he" or a bare surname into the full name seen earlier.

Sentences arrive "masked": quoted words replaced by QUOTE_MASK, so that nothing inside a
quotation is mistaken for an attribution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from factcheck.extract.lexicon import (
    AUXILIARIES_AND_ADVERBS,
    CLAUSE_OPENERS,
    FINITE_VERBS,
    NAME_JOINERS,
    NATIONALITIES,
    ORGANISATION_WORDS,
    PREPOSITIONS,
    SPEAKER_NOUNS,
    TITLE_WORDS,
    words,
)

QUOTE_MASK = "\x01"

_SPEECH_VERB = re.compile(
    r"\b(?:say|says|said|tell|tells|told|add|adds|added|stress(?:es|ed)?|note[sd]|warn(?:s|ed)?"
    r"|explain(?:s|ed)?|insist(?:s|ed)?|claim(?:s|ed)?|argue[sd]?|announce[sd]?|stated|wrote"
    r"|writes|tweet(?:s|ed)|ask(?:s|ed)|repl(?:y|ies|ied)|confirm(?:s|ed)|den(?:y|ies|ied)"
    r"|acknowledge[sd]?|admit(?:s|ted)|suggest(?:s|ed)|maintain(?:s|ed)|emphasi[sz]e[sd]?"
    r"|declare[sd]?|recall(?:s|ed)|point(?:s|ed)\s+out|conceded?|concedes|allege[sd]?"
    r"|testif(?:y|ies|ied)|observed|predict(?:s|ed)|cautioned|complained|pledged|vowed"
    r"|urged|reiterated|disclosed|revealed|indicated|accuse[sd]?|dismiss(?:es|ed)?|report(?:s|ed))\b"
)
# Verbs after which the speaker may follow ('“...,” said Jane Doe').
_INVERTIBLE = words("said says added adds asked asks wrote writes continued explained")
# "is said to be", "to say", "who told": the verb does not attribute the sentence.
_NOT_ATTRIBUTION_BEFORE = words("is are was were be been being to who which that")
_PASSIVE_AFTER = re.compile(r"^\s+by\b")
_QUOTED_AS_SAYING = re.compile(
    r"\b(?:quoted|cited)\s+(?P<phrase>[^,;:()\x01]{2,80}?)\s+as\s+(?:saying|stating|telling)\b"
)
_WAS_QUOTED = re.compile(
    r"\b(?:was|were|has\s+been|had\s+been)\s+quoted\s+(?:by\s+[^,;:\x01]{2,60}?\s+)?as\s+saying"
)
# Findings are attributed to reports and studies, not to whoever "found" a thing.
_FINDING = re.compile(r"\b(?:has\s+|have\s+)?(?:found|finds|concluded|concludes|shows|showed)\b")
_FINDING_HINT = re.compile(r"found|finds|conclude|show")
_REPORT_NOUNS = words(
    "report inquiry study survey review investigation analysis audit poll research data"
)
# "NPR reported, citing two people familiar with the figures": the people are the source.
_CITING = re.compile(r"\bciting\s+(?P<phrase>[^,;:()\x01]{2,80})")
_CITING_END = re.compile(r"\s(?:that|as|who|which|when|after|adding)\s.*$")
# "The IOC suspended the federation, saying ...": the subject of the sentence speaks.
_SAYING = re.compile(r",\s+(?:saying|adding|arguing|warning|insisting|noting)\b")
_SUBJECT = re.compile(r"^(?P<run>[A-Z][\w'’.-]*(?:\s+(?:(?:of|for|and|the)\s+)?[A-Z][\w'’.-]*)*)")
_DETERMINERS = words(
    "the a an its their his her our one two three four several some many other another both"
)
_ACCORDING_TO = re.compile(r"\baccording\s+to\s+(?P<phrase>[^,;:()\x01]+)", re.IGNORECASE)
_BREAK = re.compile(r"[,;:()\x01—–]|\s-\s")
_CITE_PARTICIPLE = re.compile(
    r"\s+(?:reported|quoted|cited|interviewed|contacted|reached)\s+by\s.*$", re.IGNORECASE
)
_CAPITALISED_RUN = re.compile(r"(?:\b[A-Z][\w'’.-]*\s+){1,6}[A-Z][\w'’-]+")
_RIGHT_PHRASE_END = re.compile(
    r"\s(?:in|on|at|during|after|before|while|when|to|from|adding|citing|who|according)\s.*$"
)


_RELATIVES = words("who whose whom which where when that what")


@dataclass(frozen=True)
class Speaker:
    """A speaker as written; kind is person, surname, group, organisation or pronoun."""

    name: str
    kind: str


def find_speaker(masked: str, is_outlet=None) -> Speaker | None:
    """Who the sentence is attributed to, as written (before coreference), if anyone.
    A phrase that only names an outlet (`is_outlet`) is the outlet cited, not a speaker."""
    candidates = [
        *_quoted_as_saying(masked),
        *_according_to(masked),
        *_speech_verb_phrases(masked),
        *_finding_phrases(masked),
        *_citing(masked),
        *_saying(masked),
    ]
    candidates.sort(key=lambda candidate: candidate[0])
    for _, phrase, lenient in candidates:
        speaker = classify(phrase) if phrase else None
        if speaker is None and lenient:
            speaker = _any_source(phrase)
        if speaker is not None and is_outlet is not None and is_outlet(speaker.name):
            continue
        if speaker is not None:
            return speaker
    return None


def _citing(masked: str):
    if "citing" not in masked:
        return
    for match in _CITING.finditer(masked):
        phrase = _CITING_END.sub("", match.group("phrase").rstrip(" .!?"))
        yield match.start(), _clean(phrase), True


def _saying(masked: str):
    match = _SAYING.search(masked)
    if match is None:
        return
    subject = _SUBJECT.match(masked)
    if subject is not None:
        yield match.start(), _clean(subject.group("run")), False


def _any_source(phrase: str) -> Speaker | None:
    # "according to the regional emergency service": whatever follows names a source.
    words = phrase.split()
    if 0 < len(words) <= 8 and not _has_finite_verb(words) and QUOTE_MASK not in phrase:
        return Speaker(phrase, "group")
    return None


def _quoted_as_saying(masked: str):
    if "quoted" not in masked and "cited" not in masked:
        return
    for match in _QUOTED_AS_SAYING.finditer(masked):
        yield match.start(), _clean(match.group("phrase")), False
    for match in _WAS_QUOTED.finditer(masked):
        yield match.start(), _clean(_left_phrase(masked, match.start())), False


def _according_to(masked: str):
    if "ccording" not in masked:
        return
    for match in _ACCORDING_TO.finditer(masked):
        yield match.start(), _clean(match.group("phrase").rstrip(" .!?")), True


def _speech_verb_phrases(masked: str):
    for verb in _SPEECH_VERB.finditer(masked):
        if _last_word(masked[: verb.start()]).lower() in _NOT_ATTRIBUTION_BEFORE:
            continue
        if _PASSIVE_AFTER.match(masked, verb.end()):
            continue
        phrase = _clean(_left_phrase(masked, verb.start()))
        if not phrase and verb.group() in _INVERTIBLE:
            phrase = _clean(_right_phrase(masked, verb.end()))
        # ", the forecaster said": a determiner and a noun name a source in that position.
        lenient = bool(phrase) and phrase.split()[0].lower() in _DETERMINERS
        yield verb.start(), phrase, lenient


def _last_word(text: str) -> str:
    words_before = text.rsplit(None, 1)
    return words_before[-1] if words_before else ""


def _finding_phrases(masked: str):
    if not _FINDING_HINT.search(masked):
        return
    for verb in _FINDING.finditer(masked):
        phrase = _clean(_left_phrase(masked, verb.start()))
        if _REPORT_NOUNS & {word.lower() for word in phrase.split()}:
            yield verb.start(), phrase, False


def _left_phrase(masked: str, end: int) -> str:
    """The clause part before a verb; past an apposition ("Jane Doe, a spokeswoman, said")."""
    head = masked[:end]
    segments = _BREAK.split(head)
    phrase = segments[-1]
    if phrase.strip() or len(segments) < 2 or not head.rstrip().endswith(","):
        return phrase
    # "Tom Baxter, 67, a retired fisherman whose family ..., said": back to the name.
    earlier = [_clean(segment) for segment in segments[-5:-1]]
    kinds = [(s, speaker.kind) for s in earlier if (speaker := classify(s)) is not None]
    named = [s for s, kind in kinds if kind == "person"]
    surnames = [s for s, kind in kinds if kind == "surname"]
    valid = [s for s, _ in reversed(kinds)]
    return (named or surnames or valid or [""])[0]


def _right_phrase(masked: str, start: int) -> str:
    phrase = _BREAK.split(masked[start:])[0].strip().rstrip(".!?")
    return _RIGHT_PHRASE_END.sub("", phrase)


def _clean(phrase: str) -> str:
    phrase = _CITE_PARTICIPLE.sub("", phrase.strip())
    words = phrase.split()
    while words and words[0].lower() in CLAUSE_OPENERS:
        words.pop(0)
    while words and (words[-1] in AUXILIARIES_AND_ADVERBS or _is_adverb(words[-1])):
        words.pop()
    return " ".join(words)


def _is_adverb(word: str) -> bool:
    return word.islower() and word.endswith("ly") and len(word) > 4


def classify(phrase: str) -> Speaker | None:
    """What kind of speaker a phrase names, or None when it names none."""
    words = phrase.split()
    if not words or len(words) > 12 or QUOTE_MASK in phrase:
        return None
    if len(words) == 1 and words[0].lower() in {"he", "she", "they", "it"}:
        return Speaker(words[0].lower(), "pronoun")
    if words[0].lower() in PREPOSITIONS or words[0].lower() in _RELATIVES:
        return None
    if _has_finite_verb(words):
        return None
    run_start = _name_run_start(words)
    if run_start == len(words) or _run_is_modifier(words, run_start):
        return Speaker(phrase, "group") if _has_speaker_noun(words) else None
    return _named_speaker(words[run_start:])


def _named_speaker(run: list[str]) -> Speaker:
    name = _strip_titles(run)
    if _is_organisation(name) or all(_is_title(w) for w in name):
        if len(name) == 1 and name[0].lower() in SPEAKER_NOUNS:
            return Speaker(name[0], "group")
        return Speaker(" ".join(name), "organisation")
    if len(name) == 1:
        kind = "group" if name[0].lower() in SPEAKER_NOUNS else "surname"
        return Speaker(name[0], kind)
    return Speaker(" ".join(name), "person")


def _is_organisation(name: list[str]) -> bool:
    return bool({w.lower().strip(".,'’") for w in name} & ORGANISATION_WORDS)


def _strip_titles(run: list[str]) -> list[str]:
    """The name after the last title word: "US Secretary of State Rex Tillerson" -> Rex..."""
    last_title = max((i for i, word in enumerate(run) if _is_title(word)), default=-1)
    name = run[last_title + 1 :]
    return name or run


def _is_title(word: str) -> bool:
    bare = word.strip(",")
    lower = bare.lower()
    if lower in TITLE_WORDS or lower in NATIONALITIES or lower in {"of", "the", "for", "and"}:
        return True
    if bare.endswith(("'s", "’s")):
        return True
    letters = bare.replace(".", "")
    return len(letters) >= 2 and letters.isupper()


def _name_run_start(words: list[str]) -> int:
    """Where the trailing run of capitalised words (with joiners inside) begins."""
    i = len(words)
    while i > 0:
        if _is_capitalised(words[i - 1]):
            i -= 1
            continue
        j = i - 1
        while j > 0 and words[j].lower() in NAME_JOINERS:
            j -= 1
        if j < i - 1 and _is_capitalised(words[j]) and words[i - 1].lower() in NAME_JOINERS:
            i = j
            continue
        break
    return i


def _run_is_modifier(words: list[str], run_start: int) -> bool:
    # "Officials in Kyiv", "a spokesman for the Foreign Ministry": the name is not the head.
    before = [w.lower() for w in words[:run_start]]
    if before and before[-1] == "the":
        before.pop()
    return bool(before) and before[-1] in PREPOSITIONS


def _is_capitalised(word: str) -> bool:
    return any(part[:1].isupper() for part in re.split(r"[-’']", word.lstrip('“‘"(')))


def _has_speaker_noun(words: list[str]) -> bool:
    return any(w.lower().strip(".,") in SPEAKER_NOUNS for w in words)


def _has_finite_verb(words: list[str]) -> bool:
    lowered = [w.lower() for w in words]
    for i, word in enumerate(lowered):
        if word in FINITE_VERBS and not (set(lowered[:i]) & {"who", "which", "that"}):
            return True
    return False


# Pronouns and the gender they point to; titles and nouns that tell a person's gender.
_GENDERED = {"he": "m", "his": "m", "him": "m", "she": "f", "her": "f", "hers": "f"}
_PRONOUN_TOKEN = re.compile(r"\b(?:[Hh]e|[Hh]is|[Hh]im|[Ss]he|[Hh]ers?)\b")
_GENDER_WORDS = {
    **dict.fromkeys(
        words(
            "mr mr. sir lord king prince father husband son brother spokesman chairman "
            "congressman councilman businessman grandfather widower uncle"
        ),
        "m",
    ),
    **dict.fromkeys(
        words(
            "mrs mrs. ms ms. miss dame lady queen princess mother wife daughter sister "
            "spokeswoman chairwoman congresswoman councilwoman businesswoman grandmother "
            "widow aunt"
        ),
        "f",
    ),
}
# Before a capitalised run, these words make it a place or a thing, not a person.
_NOT_A_PERSON_BEFORE = words("in at on near from into across towards toward through of the")
_LEADING_FUNCTION_WORDS = (
    CLAUSE_OPENERS
    | PREPOSITIONS
    | words("when while where after the a an this that its his her their our for as today across")
)
_MONTHS_AND_DAYS = words(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday"
)


@dataclass
class SpeakerMemory:
    """What earlier sentences established, for "he", "she", "they", "it" and bare surnames.

    Every person named is remembered in order of mention; "he" and "she" go to the most
    recent person whose gender fits or is not yet known (and then becomes known)."""

    text: str
    last_person: str | None = None
    last_group: str | None = None
    last_organisation: str | None = None
    full_names: dict[str, str] = field(default_factory=dict)
    mentions: list[str] = field(default_factory=list)
    gender: dict[str, str] = field(default_factory=dict)

    def resolve(self, speaker: Speaker | None, position: int) -> str | None:
        """The name to report for `speaker`, found at `position` of the text; remembered."""
        if speaker is None:
            return None
        if speaker.kind == "pronoun":
            return self._pronoun(speaker.name)
        if speaker.kind == "surname":
            return self._remember_person(self._full_name(speaker.name, position))
        if speaker.kind == "person":
            return self._remember_person(speaker.name)
        if speaker.kind == "group":
            self.last_group = speaker.name
        else:
            self.last_organisation = speaker.name
        return speaker.name

    def notice_names(
        self, masked: str, speaker: str | None, outlets: list[tuple[int, int]] = ()
    ) -> None:
        """Remember the people a sentence names, and learn genders from its pronouns: "When
        Margaret Ellis moved ..., her cottage" makes Margaret Ellis a "she"."""
        events: list[tuple[int, str, str]] = []
        for run in _CAPITALISED_RUN.finditer(masked):
            if any(start < run.end() and run.start() < end for start, end in outlets):
                continue
            name, titled = self._person_in_run(masked, run)
            if name is not None:
                events.append((run.start(), "name", name))
                if titled and speaker != name:
                    self.last_person = name
        if self.full_names:
            for word in _SINGLE_CAPITALISED.finditer(masked):
                full = self.full_names.get(word.group())
                if full is not None and not any(start == word.start() for start, _, _ in events):
                    events.append((word.start(), "name", full))
        for pronoun in _PRONOUN_TOKEN.finditer(masked):
            events.append((pronoun.start(), "pronoun", _GENDERED[pronoun.group().lower()]))
        events.sort(key=lambda event: event[0])
        for _, kind, value in events:
            if kind == "name":
                self._mention(value)
            else:
                self._by_gender(value)
        if speaker is not None and speaker == self.last_person and speaker not in self.mentions:
            self._mention(speaker)

    def _person_in_run(self, masked: str, run: re.Match[str]) -> tuple[str | None, bool]:
        words_in_run = run.group().split()
        lead = 0
        while lead < len(words_in_run) and words_in_run[lead].lower() in _LEADING_FUNCTION_WORDS:
            lead += 1
        words_in_run = words_in_run[lead:]
        before = masked[: run.start()].split()[-1:] if lead == 0 else []
        if before and before[0].lower() in _NOT_A_PERSON_BEFORE:
            return None, False
        name = _strip_titles(words_in_run)
        titles = words_in_run[: len(words_in_run) - len(name)]
        if before and before[0].lower().rstrip(",") in TITLE_WORDS:
            titles = [*titles, before[0]]
        if not 2 <= len(name) <= 4 or _is_organisation(name):
            return None, False
        if any(w.lower().strip("’'s") in _MONTHS_AND_DAYS or _is_title(w) for w in name):
            return None, False
        full = " ".join(name)
        for title in titles:
            gender = _GENDER_WORDS.get(title.lower().rstrip(","))
            if gender is not None:
                self.gender.setdefault(full, gender)
        return full, bool(titles)

    def _mention(self, name: str) -> None:
        if self.mentions and self.mentions[-1] == name:
            return
        self.mentions.append(name)
        self.full_names.setdefault(name.split()[-1], name)
        del self.mentions[:-_MENTIONS_KEPT]

    def _by_gender(self, gender: str) -> str | None:
        for name in reversed(self.mentions):
            known = self.gender.get(name)
            if known is None or known == gender:
                self.gender[name] = gender
                return name
        return None

    def _pronoun(self, pronoun: str) -> str | None:
        if pronoun == "they":
            return self.last_group
        if pronoun == "it":
            return self.last_organisation
        name = self._by_gender(_GENDERED[pronoun])
        return self._remember_person(name) if name is not None else self.last_person

    def _remember_person(self, name: str) -> str:
        # Mentions are kept in the order of the text by notice_names, which reads the
        # sentence after its speaker is resolved.
        self.last_person = name
        self.full_names[name.split()[-1]] = name
        return name

    def _full_name(self, surname: str, position: int) -> str:
        if surname in self.full_names:
            return self.full_names[surname]
        # A name introduced outside any attribution: "... met Jens Stoltenberg. Stoltenberg said"
        pattern = re.compile(rf"\b((?:[A-Z][\w’'-]+\s+){{1,4}}){re.escape(surname)}\b")
        earlier = list(pattern.finditer(self.text, 0, position))
        if earlier:
            name = _strip_titles([*earlier[-1].group(1).split(), surname])
            if len(name) >= 2 and not _is_title(name[0]):
                return " ".join(name)
        return surname


_SINGLE_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]+\b")
_MENTIONS_KEPT = 12
