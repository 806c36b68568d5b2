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
    r"|urged|reiterated|disclosed|revealed|indicated|accuse[sd]?|report(?:s|ed))\b"
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
_ACCORDING_TO = re.compile(r"\baccording\s+to\s+(?P<phrase>[^,;:()\x01]+)", re.IGNORECASE)
_BREAK = re.compile(r"[,;:()\x01—–]|\s-\s")
_CITE_PARTICIPLE = re.compile(
    r"\s+(?:reported|quoted|cited|interviewed|contacted|reached)\s+by\s.*$", re.IGNORECASE
)
_CAPITALISED_RUN = re.compile(r"(?:\b[A-Z][\w'’.-]*\s+){1,6}[A-Z][\w'’-]+")
_RIGHT_PHRASE_END = re.compile(
    r"\s(?:in|on|at|during|after|before|while|when|to|from|adding|citing|who|according)\s.*$"
)


@dataclass(frozen=True)
class Speaker:
    """A speaker as written; kind is person, surname, group, organisation or pronoun."""

    name: str
    kind: str


def find_speaker(masked: str) -> Speaker | None:
    """Who the sentence is attributed to, as written (before coreference), if anyone."""
    candidates = [
        *_quoted_as_saying(masked),
        *_according_to(masked),
        *_speech_verb_phrases(masked),
        *_finding_phrases(masked),
    ]
    candidates.sort(key=lambda candidate: candidate[0])
    for _, phrase, lenient in candidates:
        speaker = classify(phrase) if phrase else None
        if speaker is None and lenient:
            speaker = _any_source(phrase)
        if speaker is not None:
            return speaker
    return None


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
        yield verb.start(), phrase, False


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
    earlier = [_clean(segment) for segment in segments[-3:-1]]
    named = [s for s in earlier if (speaker := classify(s)) and speaker.kind == "person"]
    valid = [s for s in reversed(earlier) if classify(s) is not None]
    return (named or valid or [""])[0]


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
    if words[0].lower() in PREPOSITIONS or _has_finite_verb(words):
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


@dataclass
class SpeakerMemory:
    """What earlier sentences established, for "he", "they", "it" and bare surnames."""

    text: str
    last_person: str | None = None
    last_group: str | None = None
    last_organisation: str | None = None
    full_names: dict[str, str] = field(default_factory=dict)

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

    def notice_names(self, masked: str, speaker: str | None) -> None:
        """Remember the last titled name of a sentence ("Trade Minister Omar Haddad visited
        ...") for a later "he", unless the sentence had a named speaker of its own."""
        if speaker is not None and speaker == self.last_person:
            return
        for run in _CAPITALISED_RUN.finditer(masked):
            words = run.group().split()
            name = _strip_titles(words)
            before = masked[: run.start()].split()[-1:]
            titled = len(name) < len(words) or (before and before[0].lower() in TITLE_WORDS)
            if titled and len(name) >= 2 and not _is_organisation(name):
                self._remember_person(" ".join(name))

    def _pronoun(self, pronoun: str) -> str | None:
        if pronoun == "they":
            return self.last_group
        if pronoun == "it":
            return self.last_organisation
        return self.last_person

    def _remember_person(self, name: str) -> str:
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
