"""The newsroom's changes to the outlet registry: admins add outlets, change or turn off
shipped ones and restore them, in the database so that every web process and worker on
every machine reads the same registry. Each change is an appended OutletEdit row and an
audit event in the same transaction. Plain Python: no Flask, no Celery.
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
from factcheck.models import Outlet as OutletRow
from factcheck.models import OutletEdit
from factcheck.outlets import (
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
MAX_NAME = 200
MAX_VALUES = 50
MAX_VALUE_LENGTH = 2000
DOMAIN = re.compile(r"^(?=.{1,253}$)(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+[a-z][a-z0-9-]{0,62}$")
PAGE_SIZE = 50


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
    """One row of the admin's list: the entry in use (or, when off, the one turned off)."""

    name: str
    outlet: Outlet
    source: str
    off: bool
    base: Outlet | None


@dataclass(frozen=True)
class OutletPage:
    rows: list[OutletListing]
    total: int
    page: int
    pages: int


def _lines(text: str, what: str) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    if len(values) > MAX_VALUES:
        raise UserError(f"At most {MAX_VALUES} {what}, one per line.")
    for value in values:
        if len(value) > MAX_VALUE_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise UserError(
                f"Each of the {what} is one line of at most {MAX_VALUE_LENGTH} characters."
            )
    return values


def _domain(value: str) -> str:
    domain = value.lower().rstrip(".").removeprefix("www.")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = ""
    if not DOMAIN.match(domain):
        raise UserError(
            f"{value!r} is not a domain: write it as reuters.com, without https:// or a path."
        )
    return domain


def _web_address(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"{value!r} is not a web address: {what} starts with https:// or http://.")
    return value


def outlet_from_form(form: EntryForm) -> Outlet:
    """The entry the form describes, or a UserError saying what to correct."""
    name = " ".join(form.name.split())
    if not name:
        raise UserError("Give the outlet a name.")
    if len(name) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in form.name.strip()):
        raise UserError(f"A name is one line of at most {MAX_NAME} characters.")
    search_url = form.search_url.strip() or None
    if search_url is not None:
        _web_address(search_url, "a search page")
        if "{query}" not in search_url:
            raise UserError("A search page address has {query} where the search words go.")
    aliases = tuple(" ".join(alias.split()) for alias in _lines(form.aliases, "other names"))
    table: dict[str, Any] = {
        "name": name,
        "aliases": [alias for alias in aliases if fold_name(alias) != fold_name(name)],
        "domains": list(dict.fromkeys(_domain(d) for d in _lines(form.domains, "domains"))),
        "feeds": [_web_address(f, "a feed") for f in _lines(form.feeds, "feeds")],
        "sitemaps": [_web_address(s, "a sitemap") for s in _lines(form.sitemaps, "sitemaps")],
        "search_url": search_url,
    }
    return outlet_from_table(table, "the form")


def _latest_edits(session: Session) -> dict[str, OutletEdit]:
    newest = select(func.max(OutletEdit.id)).group_by(OutletEdit.name)
    edits = session.exec(select(OutletEdit).where(col(OutletEdit.id).in_(newest))).all()
    return {edit.name: edit for edit in edits}


def newsroom_changes(session: Session) -> dict[str, Outlet | None]:
    """Each name the newsroom changed: its entry, or None when turned off."""
    return {
        name: outlet_from_table(edit.entry, "outlet_edit") if edit.change == SET else None
        for name, edit in _latest_edits(session).items()
        if edit.change != RESET
    }


def revision(session: Session) -> tuple[int, str] | None:
    """Changes whenever the registry does (the newest edit's id and time, so that an
    emptied and refilled table does not pass for unchanged)."""
    newest = session.exec(
        select(OutletEdit.id, OutletEdit.at).order_by(col(OutletEdit.id).desc()).limit(1)
    ).first()
    return None if newest is None else (newest[0], str(newest[1]))


class LiveRegistry:
    """The registry in use, read again only when the newsroom has changed it: one indexed
    query per use, shared by the threads of a process."""

    def __init__(self, base: Registry) -> None:
        self.base = base
        self._lock = threading.Lock()
        self._revision: tuple[int, str] | None = None
        self._current = base

    def current(self, session: Session) -> Registry:
        seen = revision(session)
        with self._lock:
            if seen != self._revision:
                self._current = self.base.with_changes(newsroom_changes(session))
                self._revision = seen
            return self._current


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
    if after is not None:
        # Claims split from now on name the outlet with these aliases and domains.
        session.execute(
            update(OutletRow)
            .where(col(OutletRow.name) == name)
            .values(aliases=list(after.aliases), domains=list(after.domains))
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


def _checked(live: LiveRegistry, session: Session, outlet: Outlet) -> None:
    try:
        live.current(session).check_entry(outlet)
    except RegistryError as error:
        raise Conflict(str(error)) from None


def add_outlet(session: Session, live: LiveRegistry, form: EntryForm, *, actor: str) -> Outlet:
    outlet = outlet_from_form(form)
    current = live.current(session)
    if current.get(outlet.name) is not None:
        raise Conflict(f"{outlet.name} is already in the registry: change it instead.")
    if outlet.name in _latest_edits(session) or live.base.get(outlet.name) is not None:
        raise Conflict(f"{outlet.name} is in the registry, turned off: turn it on instead.")
    _checked(live, session, outlet)
    _record(
        session,
        name=outlet.name,
        change=SET,
        entry=outlet,
        actor=actor,
        action="outlet.added",
        before=None,
        after=outlet,
    )
    return outlet


def change_outlet(
    session: Session, live: LiveRegistry, name: str, form: EntryForm, *, actor: str
) -> Outlet:
    before = _in_use(session, live, name)
    outlet = outlet_from_form(EntryForm(**{**form.__dict__, "name": name}))
    if outlet == before:
        raise Conflict(f"Nothing to save: {name} is already so.")
    _checked(live, session, outlet)
    base = live.base.get(name)
    change = RESET if outlet == base else SET
    _record(
        session,
        name=name,
        change=change,
        entry=outlet if change == SET else None,
        actor=actor,
        action="outlet.changed",
        before=before,
        after=outlet,
    )
    return outlet


def turn_off(session: Session, live: LiveRegistry, name: str, *, actor: str) -> Outlet:
    """New articles no longer find the outlet and gathering no longer asks it; claims
    that already cite it keep it."""
    before = _in_use(session, live, name)
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


def turn_on(session: Session, live: LiveRegistry, name: str, *, actor: str) -> Outlet:
    """The outlet back as it was when turned off."""
    edit = _latest_edits(session).get(name)
    if edit is None or edit.change != OFF or edit.entry is None:
        raise NotFound(f"No outlet named {name!r} is turned off.")
    outlet = outlet_from_table(edit.entry, "outlet_edit")
    _checked(live, session, outlet)
    change = RESET if outlet == live.base.get(name) else SET
    _record(
        session,
        name=name,
        change=change,
        entry=outlet if change == SET else None,
        actor=actor,
        action="outlet.turned_on",
        before=None,
        after=outlet,
    )
    return outlet


def restore(session: Session, live: LiveRegistry, name: str, *, actor: str) -> Outlet:
    """The entry of the shipped registry or the outlets file again, as if never changed."""
    base = live.base.get(name)
    edit = _latest_edits(session).get(name)
    if base is None or edit is None or edit.change == RESET:
        raise NotFound(f"{name} has no changed entry to restore.")
    before = live.current(session).get(name)
    if before is not None and before == base:
        raise Conflict(f"Nothing to restore: {name} is as shipped.")
    _checked(live, session, base)
    _record(
        session,
        name=name,
        change=RESET,
        entry=None,
        actor=actor,
        action="outlet.restored",
        before=before,
        after=base,
    )
    return base


def _in_use(session: Session, live: LiveRegistry, name: str) -> Outlet:
    outlet = live.current(session).get(name)
    if outlet is None:
        raise NotFound(f"No outlet named {name!r} is in use.")
    return outlet


def listing(session: Session, live: LiveRegistry) -> list[OutletListing]:
    """Every outlet, in use or off, by name."""
    current = live.current(session)
    rows = [
        OutletListing(name, outlet, current.source_of[name], False, live.base.get(name))
        for name, outlet in current.outlets.items()
    ]
    rows += [
        OutletListing(
            name, outlet_from_table(edit.entry, "outlet_edit"), NEWSROOM, True, live.base.get(name)
        )
        for name, edit in _latest_edits(session).items()
        if edit.change == OFF and edit.entry is not None
    ]
    return sorted(rows, key=lambda row: fold_name(row.name))


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
