"""The outlet registry: news outlets and agencies, their aliases, domains and feeds.

The shipped `outlets.toml` is read first; a file named by FACTCHECK_OUTLETS_FILE adds
entries or replaces shipped ones by name. Plain Python: no Flask, no database.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any


class RegistryError(ValueError):
    """The outlets file cannot be used; the message says which entry and why."""


@dataclass(frozen=True)
class Outlet:
    name: str
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    search_url: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class OutletMention:
    outlet: Outlet
    start: int
    end: int


SHIPPED = "shipped"
FROM_FILE = "outlets file"
NEWSROOM = "newsroom"


@dataclass
class Registry:
    outlets: dict[str, Outlet] = field(default_factory=dict)
    # Where each entry comes from: SHIPPED, FROM_FILE or NEWSROOM (an admin's change).
    source_of: dict[str, str] = field(default_factory=dict)
    # The compiled finder of names (factcheck.extract.gazetteer), with the size it had.
    finder_cache: Any = field(default=None, repr=False, compare=False)

    def __iter__(self):
        return iter(self.outlets.values())

    def __len__(self) -> int:
        return len(self.outlets)

    def get(self, name: str) -> Outlet | None:
        return self.outlets.get(name)

    @cached_property
    def _alias_index(self) -> dict[str, Outlet]:
        index: dict[str, Outlet] = {}
        for outlet in self.outlets.values():
            for alias in outlet.names:
                index.setdefault(fold_name(alias), outlet)
        return index

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        # Longest alias first so "Reuters news agency" wins over "Reuters".
        aliases = sorted(
            {alias for outlet in self.outlets.values() for alias in outlet.names},
            key=len,
            reverse=True,
        )
        body = "|".join(_alias_regex(alias) for alias in aliases) or r"(?!x)x"
        return re.compile(rf"(?<![\w.])(?:the\s+)?(?P<alias>{body})(?![\w])")

    def find_all(self, text: str) -> list[OutletMention]:
        """Every outlet named in `text`, left to right, with its character span."""
        mentions = []
        for match in self._pattern.finditer(text):
            outlet = self.lookup(match.group("alias"))
            if outlet is not None:
                mentions.append(OutletMention(outlet, match.start("alias"), match.end("alias")))
        return mentions

    def lookup(self, alias: str) -> Outlet | None:
        return self._alias_index.get(fold_name(alias))

    def by_domain(self, host: str) -> Outlet | None:
        host = host.lower().rstrip(".")
        for outlet in self.outlets.values():
            for domain in outlet.domains:
                if host == domain or host.endswith("." + domain):
                    return outlet
        return None

    def with_changes(self, changes: dict[str, Outlet | None]) -> Registry:
        """This registry with the newsroom's changes on top: an outlet added or replacing
        the entry of its name, or (None) an outlet no longer recognised."""
        outlets, source_of = dict(self.outlets), dict(self.source_of)
        for name, outlet in changes.items():
            if outlet is None:
                outlets.pop(name, None)
                source_of.pop(name, None)
            else:
                outlets[name], source_of[name] = outlet, NEWSROOM
        return Registry(outlets, source_of)

    def check_entry(self, outlet: Outlet) -> None:
        """Refuse an entry that would share a name or a domain with another outlet, or a
        name that running text could not name it by: one without a letter, one the
        matcher cannot find in "... told the NAME on Monday." or finds in that
        sentence's other words."""
        for alias in outlet.names:
            owner = self.lookup(alias)
            if owner is not None and owner.name != outlet.name:
                raise RegistryError(f"{alias!r} already names {owner.name}.")
        for domain in outlet.domains:
            for other in self.outlets.values():
                if other.name != outlet.name and _domains_overlap(domain, other.domains):
                    raise RegistryError(f"{domain} overlaps the domains of {other.name}.")
        alone = Registry({outlet.name: outlet})
        for alias in outlet.names:
            if not any(character.isalpha() for character in alias):
                raise RegistryError(f"{alias!r} has no letter: it cannot name an outlet.")
            before = "The minister told the "
            found = alone.find_all(f"{before}{alias} on Monday.")
            if len(found) > 1:
                raise RegistryError(f"{alias!r} would be found in the words around a name.")
            if [mention.start for mention in found] != [len(before)]:
                raise RegistryError(f"{alias!r} cannot be found in running text as a name.")


def _domains_overlap(domain: str, others: tuple[str, ...]) -> bool:
    return any(
        domain == other or domain.endswith("." + other) or other.endswith("." + domain)
        for other in others
    )


def fold_name(alias: str) -> str:
    return " ".join(alias.replace("’", "'").split()).casefold()


def _alias_regex(alias: str) -> str:
    # Names match as written (or in capitals, as in a headline), so that "the Canadian
    # press", "daily express delivery" or the pronoun-like "ap" in a word never count.
    # Text that writes an outlet in lower case ("source: al jazeera") uses `lookup`.
    def words_of(name: str) -> str:
        return r"\s+".join(re.escape(word) for word in name.split()).replace("'", "['’]")

    if alias.upper() == alias:
        return words_of(alias)
    return f"{words_of(alias)}|{words_of(alias.upper())}"


def outlet_from_table(table: dict, source: str) -> Outlet:
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RegistryError(f"{source}: an [[outlets]] entry has no name")
    name = name.strip()
    if any(ord(character) < 32 for character in name):
        raise RegistryError(f"{source}: outlet {name!r}: a name is one line of plain text")

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RegistryError(f"{source}: outlet {name!r}: {key} must be a list of strings")
        return tuple(value)

    search_url = table.get("search_url")
    if search_url is not None and (not isinstance(search_url, str) or "{query}" not in search_url):
        raise RegistryError(f"{source}: outlet {name!r}: search_url must contain {{query}}")
    return Outlet(
        name=name,
        aliases=strings("aliases"),
        domains=tuple(d.lower() for d in strings("domains")),
        feeds=strings("feeds"),
        sitemaps=strings("sitemaps"),
        search_url=search_url,
    )


def outlet_to_table(outlet: Outlet) -> dict:
    """The entry as an [[outlets]] table (what `outlet_from_table` reads back)."""
    table: dict = {"name": outlet.name}
    for key in ("aliases", "domains", "feeds", "sitemaps"):
        if values := getattr(outlet, key):
            table[key] = list(values)
    if outlet.search_url:
        table["search_url"] = outlet.search_url
    return table


def parse_registry(toml_text: str, source: str = "outlets file") -> list[Outlet]:
    try:
        data = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(f"{source}: not valid TOML: {error}") from error
    tables = data.get("outlets", [])
    if not isinstance(tables, list):
        raise RegistryError(f"{source}: expected [[outlets]] tables")
    for number, table in enumerate(tables, start=1):
        if not isinstance(table, dict):
            raise RegistryError(f"{source}: outlets entry {number} is not an [[outlets]] table")
    return [outlet_from_table(table, source) for table in tables]


def load_registry(extra_file: Path | None = None) -> Registry:
    """The shipped registry, with the entries of `extra_file` added or replacing by name."""
    shipped_file = resources.files("factcheck.outlets").joinpath("outlets.toml")
    shipped = shipped_file.read_text(encoding="utf-8")
    outlets = parse_registry(shipped, "outlets.toml")
    registry = Registry({o.name: o for o in outlets}, {o.name: SHIPPED for o in outlets})
    if extra_file is not None:
        try:
            text = Path(extra_file).read_text(encoding="utf-8")
        except OSError as error:
            raise RegistryError(f"cannot read outlets file {extra_file}: {error}") from error
        for outlet in parse_registry(text, str(extra_file)):
            registry.outlets[outlet.name] = outlet
            registry.source_of[outlet.name] = FROM_FILE
    return registry
