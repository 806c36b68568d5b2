"""The newsroom's changes to the outlet registry: admins add outlets, change or turn off
shipped ones and restore them, in the database so that every web process and worker on
every machine reads the same registry. Each change is an appended OutletEdit row, a new
registry version and an audit event, in one transaction. Plain Python: no Flask, no
Celery.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from math import ceil
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from factcheck.audit import record_event
from factcheck.errors import Conflict, NotFound, UserError
from factcheck.models import OutletEdit, OutletRegistry
from factcheck.outlets.registry import (
    FROM_FILE,
    NEWSROOM,
    SHIPPED,
    Outlet,
    Registry,
    RegistryError,
    fold_name,
    outlet_from_table,
    outlet_to_table,
)

SET, OFF, RESET = "set", "off", "reset"
MAX_NAME = 120
MAX_VALUES = 50
MAX_ADDRESS = 2000
DOMAIN = re.compile(r"^(?=.{1,253}$)(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+[a-z][a-z0-9-]{0,62}$")
# Second-level labels under which country domains register names ("co.uk", "com.au"):
# such a pair is no outlet's domain, and every site under it would count as the outlet's.
SHARED_SECOND_LEVELS = {"ac", "co", "com", "edu", "gov", "net", "ne", "or", "org"}
PAGE_SIZE = 50


class FieldError(UserError):
    """Bad input in one field of the form, named so that the page can mark it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class EntryForm:
    """What an admin typed: lists one value per line."""

    name: str
    aliases: str = ""
    domains: str = ""
    feeds: str = ""
    sitemaps: str = ""
    search_url: str = ""

    @classmethod
    def of(cls, outlet: Outlet) -> EntryForm:
        return cls(
            name=outlet.name,
            aliases="\n".join(outlet.aliases),
            domains="\n".join(outlet.domains),
            feeds="\n".join(outlet.feeds),
            sitemaps="\n".join(outlet.sitemaps),
            search_url=outlet.search_url or "",
        )


@dataclass(frozen=True)
class OutletListing:
    """One row of the admin's list: the entry in use (or, when off, the one turned off),
    where it comes from, the entry of the registry's files under it, and the id of the
    name's newest change (0 for none), which a form sends back to detect a change made
    meanwhile."""

    name: str
    outlet: Outlet
    source: str
    off: bool
    base: Outlet | None
    base_source: str | None
    last_edit: int


@dataclass(frozen=True)
class OutletPage:
    rows: list[OutletListing]
    total: int
    page: int
    pages: int


def _one_line(value: str, field: str, what: str, limit: int) -> str:
    if len(value) > limit or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise FieldError(field, f"{what} is one line of at most {limit} characters.")
    return value


def _lines(text: str, field: str, what: str, limit: int) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    if len(values) > MAX_VALUES:
        raise FieldError(field, f"At most {MAX_VALUES} {what}, one per line.")
    return tuple(_one_line(value, field, f"Each of the {what}", limit) for value in values)


def _domain(value: str) -> str:
    domain = value.lower().rstrip(".").removeprefix("www.")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = ""
    if not DOMAIN.match(domain):
        raise FieldError(
            "domains",
            f"{value!r} is not a domain: write it as reuters.com, without https:// or a path.",
        )
    labels = domain.split(".")
    if len(labels) == 2 and labels[0] in SHARED_SECOND_LEVELS:
        raise FieldError("domains", f"{domain} is shared by many sites: give the outlet's own.")
    return domain


def _web_address(value: str, field: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FieldError(field, f"{value!r} is not a web address: {what} starts with https://.")
    return value


def _search_page(value: str) -> str | None:
    if not value:
        return None
    _one_line(value, "search_url", "A search page address", MAX_ADDRESS)
    parts = urlsplit(_web_address(value, "search_url", "a search page"))
    if "{query}" not in f"{parts.path}?{parts.query}#{parts.fragment}":
        raise FieldError(
            "search_url", "A search page address has {query} where the search words go."
        )
    return value


def _name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise FieldError("name", "Give the outlet a name.")
    _one_line(value.strip(), "name", "A name", MAX_NAME)
    # The name is part of its page's address: these would be read as another address.
    if name.startswith("/") or name.endswith("/") or {".", ".."} & set(name.split("/")):
        raise FieldError(
            "name", "A name does not begin or end with / or have . or .. between slashes."
        )
    return name


def outlet_from_form(form: EntryForm) -> Outlet:
    """The entry the form describes, or a FieldError saying what to correct."""
    name = _name(form.name)
    aliases = (
        " ".join(alias.split())
        for alias in _lines(form.aliases, "aliases", "other names", MAX_NAME)
    )
    table: dict[str, Any] = {
        "name": name,
        "aliases": list(dict.fromkeys(alias for alias in aliases if alias != name)),
        "domains": list(
            dict.fromkeys(_domain(d) for d in _lines(form.domains, "domains", "domains", 253))
        ),
        "feeds": [
            _web_address(f, "feeds", "a feed")
            for f in _lines(form.feeds, "feeds", "feeds", MAX_ADDRESS)
        ],
        "sitemaps": [
            _web_address(s, "sitemaps", "a sitemap")
            for s in _lines(form.sitemaps, "sitemaps", "sitemaps", MAX_ADDRESS)
        ],
        "search_url": _search_page(form.search_url.strip()),
    }
    return outlet_from_table(table, "the form")


def _latest_edits(session: Session) -> dict[str, OutletEdit]:
    newest = select(func.max(OutletEdit.id)).group_by(OutletEdit.name)
    edits = session.exec(select(OutletEdit).where(col(OutletEdit.id).in_(newest))).all()
    return {edit.name: edit for edit in edits}


def newsroom_changes(session: Session) -> dict[str, Outlet | None]:
    return _changes_of(_latest_edits(session))


def _changes_of(edits: dict[str, OutletEdit]) -> dict[str, Outlet | None]:
    """Each name the newsroom changed: its entry, or None when turned off."""
    return {
        name: outlet_from_table(edit.entry, "outlet_edit") if edit.change == SET else None
        for name, edit in edits.items()
        if edit.change != RESET
    }


def version(session: Session) -> int:
    return session.exec(select(OutletRegistry.version).where(OutletRegistry.id == 1)).one()


class LiveRegistry:
    """The registry in use, read again only when the newsroom has changed it: one query
    of one row per use, shared by the threads of a process."""

    def __init__(self, base: Registry) -> None:
        self.base = base
        self._lock = threading.Lock()
        self._version: int | None = None
        self._current = base

    def current(self, session: Session) -> Registry:
        seen = version(session)
        with self._lock:
            if seen != self._version:
                # Read after the version: a change committed meanwhile makes the next
                # use read again, never the reverse.
                self._current = self.base.with_changes(newsroom_changes(session))
                self._version = seen
            return self._current


def _begin_change(session: Session, live: LiveRegistry) -> tuple[Registry, dict[str, OutletEdit]]:
    """Raise the version, which waits for any other change to commit, then read the
    registry as it now stands (never from a process's copy: it is being changed)."""
    session.execute(
        update(OutletRegistry)
        .where(col(OutletRegistry.id) == 1)
        .values(version=OutletRegistry.version + 1)
    )
    edits = _latest_edits(session)
    return live.base.with_changes(_changes_of(edits)), edits


def _unchanged_since(edits: dict[str, OutletEdit], name: str, seen_edit: int | None) -> None:
    edit = edits.get(name)
    if seen_edit is not None and (edit.id if edit else 0) != seen_edit:
        raise Conflict(
            f"{name} was changed by {edit.actor if edit else 'someone'} since you opened it:"
            " reload its page to see it as it is now."
        )


def _checked(registry: Registry, outlet: Outlet) -> None:
    try:
        registry.check_entry(outlet)
    except RegistryError as error:
        raise Conflict(str(error)) from None


def _record(
    session: Session,
    *,
    name: str,
    change: str,
    entry: Outlet | None,
    actor: str,
    action: str,
    before: Outlet | None,
    after: Outlet | None,
) -> None:
    session.add(
        OutletEdit(
            name=name, change=change, entry=outlet_to_table(entry) if entry else None, actor=actor
        )
    )
    record_event(
        session,
        actor=actor,
        action=action,
        object_type="outlet",
        object_id=name[:64],
        before=outlet_to_table(before) if before else None,
        after=outlet_to_table(after) if after else None,
    )


def _record_in_use(
    session: Session,
    live: LiveRegistry,
    *,
    outlet: Outlet,
    actor: str,
    action: str,
    before: Outlet | None,
) -> None:
    """Record `outlet` as its name's entry in use: a change kept, or, when it is the
    entry of the registry's files, the end of the newsroom's change."""
    change = RESET if outlet == live.base.get(outlet.name) else SET
    _record(
        session,
        name=outlet.name,
        change=change,
        entry=outlet if change == SET else None,
        actor=actor,
        action=action,
        before=before,
        after=outlet,
    )


def add_outlet(session: Session, live: LiveRegistry, *, form: EntryForm, actor: str) -> Outlet:
    outlet = outlet_from_form(form)
    registry, edits = _begin_change(session, live)
    if registry.get(outlet.name) is not None:
        raise Conflict(f"{outlet.name} is already in the registry: change it instead.")
    edit = edits.get(outlet.name)
    if edit is not None and edit.change == OFF:
        raise Conflict(f"{outlet.name} is in the registry, turned off: turn it on instead.")
    _checked(registry, outlet)
    _record_in_use(session, live, outlet=outlet, actor=actor, action="outlet.added", before=None)
    return outlet


def change_outlet(
    session: Session,
    live: LiveRegistry,
    *,
    name: str,
    form: EntryForm,
    actor: str,
    seen_edit: int | None = None,
) -> Outlet:
    outlet = outlet_from_form(EntryForm(**{**form.__dict__, "name": name}))
    registry, edits = _begin_change(session, live)
    before = _in_use(registry, name)
    _unchanged_since(edits, name, seen_edit)
    if outlet == before:
        raise Conflict(f"Nothing to save: {name} is already so.")
    _checked(registry, outlet)
    _record_in_use(
        session, live, outlet=outlet, actor=actor, action="outlet.changed", before=before
    )
    return outlet


def turn_off(
    session: Session, live: LiveRegistry, *, name: str, actor: str, seen_edit: int | None = None
) -> Outlet:
    """New articles no longer find the outlet and gathering no longer asks it; claims
    that already cite it keep it."""
    registry, edits = _begin_change(session, live)
    before = _in_use(registry, name)
    _unchanged_since(edits, name, seen_edit)
    _record(
        session,
        name=name,
        change=OFF,
        entry=before,
        actor=actor,
        action="outlet.turned_off",
        before=before,
        after=None,
    )
    return before


def turn_on(
    session: Session, live: LiveRegistry, *, name: str, actor: str, seen_edit: int | None = None
) -> Outlet:
    """The outlet back as it was when turned off."""
    registry, edits = _begin_change(session, live)
    edit = edits.get(name)
    if edit is None or edit.change != OFF or edit.entry is None:
        raise NotFound(f"No outlet named {name!r} is turned off.")
    _unchanged_since(edits, name, seen_edit)
    outlet = outlet_from_table(edit.entry, "outlet_edit")
    _checked(registry, outlet)
    _record_in_use(
        session, live, outlet=outlet, actor=actor, action="outlet.turned_on", before=None
    )
    return outlet


def restore(
    session: Session, live: LiveRegistry, *, name: str, actor: str, seen_edit: int | None = None
) -> Outlet:
    """The entry of the shipped registry or the outlets file again, as if never changed."""
    registry, edits = _begin_change(session, live)
    base, edit = live.base.get(name), edits.get(name)
    if base is None or edit is None or edit.change == RESET:
        raise NotFound(f"{name} has no changed entry to restore.")
    _unchanged_since(edits, name, seen_edit)
    before = registry.get(name)
    if before == base:
        raise Conflict(f"Nothing to restore: {name} is as in the registry's files.")
    _checked(registry, base)
    _record_in_use(session, live, outlet=base, actor=actor, action="outlet.restored", before=before)
    return base


def _in_use(registry: Registry, name: str) -> Outlet:
    outlet = registry.get(name)
    if outlet is None:
        raise NotFound(f"No outlet named {name!r} is in use.")
    return outlet


def listing(session: Session, live: LiveRegistry) -> list[OutletListing]:
    """Every outlet, in use or off, by name."""
    current, edits = live.current(session), _latest_edits(session)

    def row(name: str, outlet: Outlet, source: str, off: bool) -> OutletListing:
        edit = edits.get(name)
        return OutletListing(
            name,
            outlet,
            source,
            off,
            live.base.get(name),
            live.base.source_of.get(name),
            edit.id if edit else 0,
        )

    rows = [
        row(name, outlet, current.source_of[name], False)
        for name, outlet in current.outlets.items()
    ]
    rows += [
        row(name, outlet_from_table(edit.entry, "outlet_edit"), NEWSROOM, True)
        for name, edit in edits.items()
        if edit.change == OFF and edit.entry is not None and name not in current.outlets
    ]
    return sorted(rows, key=lambda listed: fold_name(listed.name))


SOURCE_FILTERS: Mapping[str, Callable[[OutletListing], bool]] = {
    "shipped": lambda row: row.source == SHIPPED and not row.off,
    "file": lambda row: row.source == FROM_FILE and not row.off,
    "changed": lambda row: row.source == NEWSROOM and row.base is not None and not row.off,
    "added": lambda row: row.source == NEWSROOM and row.base is None and not row.off,
    "off": lambda row: row.off,
}


def search(
    session: Session, live: LiveRegistry, *, query: str = "", source: str = "", page: int = 1
) -> OutletPage:
    """One page of the outlets whose name, other names or domains contain `query`."""
    wanted = fold_name(query)
    keep = SOURCE_FILTERS.get(source, lambda row: True)
    rows = [
        row
        for row in listing(session, live)
        if keep(row) and (not wanted or wanted in _searchable(row.outlet))
    ]
    pages = max(1, ceil(len(rows) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    return OutletPage(rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], len(rows), page, pages)


def _searchable(outlet: Outlet) -> str:
    return "\n".join(fold_name(text) for text in (*outlet.names, *outlet.domains))


def find(session: Session, live: LiveRegistry, name: str) -> OutletListing:
    for row in listing(session, live):
        if row.name == name:
            return row
    raise NotFound(f"No outlet named {name!r}.")
