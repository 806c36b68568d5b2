"""Publication dates as news pages print them ("May 25, 2017 at 1:45 pm", "25 May 2017")."""

from __future__ import annotations

import re
from datetime import datetime

from factcheck.extract.lexicon import words

_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_DATES = (
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
)
# A time needs minutes or am/pm, so that a bare day number is not read as an hour.
_TIME_NEAR = re.compile(
    r"\b(?P<hour>[0-2]?\d)(?:[:.h](?P<minute>[0-5]\d)(?:\s*(?P<ampm>[ap]\.?\s?m\b\.?))?"
    r"|\s*(?P<ampm_only>[ap]\.?\s?m\b\.?))",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_DATE_LINE_MAX_WORDS = 16
# Words that may stand next to a date on a date line without making it a sentence.
_DATE_LINE_WORDS = words(
    "published updated posted last modified on at first date time and ago read min mins "
    "minutes hours gmt bst utc est edt cet cest pst pdt ist msk et pt am pm "
    "monday tuesday wednesday thursday friday saturday sunday "
    "mon tue tues wed thu thur thurs fri sat sun"
)


def find_date(text: str) -> datetime | None:
    """The first date in `text`, with the time of day printed near it if any."""
    if not _DIGIT.search(text):
        return None
    for pattern in _DATES:
        match = pattern.search(text)
        if match:
            rest = text[: match.start()] + " " + text[match.end() :]
            return _datetime(match, _TIME_NEAR.search(rest))
    return None


def parse_date_line(line: str) -> datetime | None:
    """The date of a line that is only a date (with time and words like "Updated")."""
    if len(line.split()) > _DATE_LINE_MAX_WORDS:
        return None
    date = find_date(line)
    if date is None:
        return None
    leftover = line
    for pattern in (*_DATES, _TIME_NEAR):
        leftover = pattern.sub(" ", leftover)
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", leftover)]
    strangers = [w for w in words if w not in _DATE_LINE_WORDS]
    return date if len(strangers) <= 1 else None


def _datetime(date: re.Match[str], time: re.Match[str] | None) -> datetime | None:
    month = date.group("month")
    month_number = int(month) if month.isdigit() else _MONTH_NUMBERS[month.lower().rstrip(".")]
    hour, minute = _hour_minute(time)
    try:
        return datetime(int(date.group("year")), month_number, int(date.group("day")), hour, minute)
    except ValueError:
        return None


def _hour_minute(time: re.Match[str] | None) -> tuple[int, int]:
    if time is None:
        return 0, 0
    hour = int(time.group("hour"))
    minute = int(time.group("minute") or 0)
    ampm = (time.group("ampm") or time.group("ampm_only") or "").lower()
    if ampm.startswith("p") and hour < 12:
        hour += 12
    if ampm.startswith("a") and hour == 12:
        hour = 0
    if hour > 23:
        return 0, 0
    return hour, minute
