"""The admin's outlet registry: every outlet the extractor recognises and gathering asks,
searchable; adding one, changing one, turning one off or on, restoring a shipped entry.
Each change is factcheck.outlet_edits', audited there, and reaches every worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session

from factcheck.audit_search import page_numbers
from factcheck.errors import UserError
from factcheck.models import Role
from factcheck.outlet_edits import (
    SOURCE_FILTERS,
    EntryForm,
    LiveRegistry,
    OutletListing,
    add_outlet,
    change_outlet,
    find,
    restore,
    search,
    turn_off,
    turn_on,
)
from factcheck.web import htmx
from factcheck.web.auth import role_required
from factcheck.web.db import get_session

bp = Blueprint("outlets", __name__)

SOURCE_LABELS = {
    "shipped": "Shipped",
    "file": "Outlets file",
    "changed": "Changed here",
    "added": "Added here",
    "off": "Turned off",
}


def _live() -> LiveRegistry:
    return current_app.extensions["factcheck.registry"]


def _form() -> EntryForm:
    fields = ("name", "aliases", "domains", "feeds", "sitemaps", "search_url")
    return EntryForm(**{field: request.form.get(field, "") for field in fields})


def source_label(row: OutletListing) -> str:
    return next(label for key, label in SOURCE_LABELS.items() if SOURCE_FILTERS[key](row))


@bp.get("/admin/outlets")
@role_required(Role.ADMIN)
def index() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()[:200]
    source = request.args.get("source", "")
    source = source if source in SOURCE_LABELS else ""
    page = search(
        get_session(),
        _live(),
        query=query,
        source=source,
        page=request.args.get("page", 1, type=int),
    )
    context = {
        "result": page,
        "query": query,
        "source": source,
        "sources": SOURCE_LABELS,
        "source_label": source_label,
        "page_numbers": page_numbers,
        "args": {key: value for key, value in (("q", query), ("source", source)) if value},
    }
    template = "admin/_outlets.html" if htmx and not htmx.boosted else "admin/outlets.html"
    return render_template(template, **context), {"Vary": "HX-Request"}


def _edit_page(
    row: OutletListing | None,
    typed: EntryForm | None = None,
    *,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    typed = typed or (EntryForm.of(row.outlet) if row else EntryForm(name=""))
    return render_template(
        "admin/outlet.html",
        row=row,
        typed=typed,
        error=error,
        label=source_label(row) if row else None,
    ), status


def _saved(apply: Callable[[Session], str], name_after: Callable[[], str]) -> ResponseReturnValue:
    session = get_session()
    done = apply(session)
    session.commit()
    flash(done)
    return redirect(url_for("outlets.edit", name=name_after()), code=303)


@bp.get("/admin/outlets/new")
@role_required(Role.ADMIN)
def new() -> ResponseReturnValue:
    return _edit_page(None)


@bp.post("/admin/outlets")
@role_required(Role.ADMIN)
def add() -> ResponseReturnValue:
    form = _form()
    added: dict[str, Any] = {}

    def apply(session: Session) -> str:
        added["outlet"] = add_outlet(session, _live(), form, actor=current_user.username)
        return f"Added {added['outlet'].name}. Articles split from now on find it."

    try:
        return _saved(apply, lambda: added["outlet"].name)
    except UserError as error:
        get_session().rollback()
        return _edit_page(None, form, error=str(error), status=error.status_code)


@bp.get("/admin/outlets/edit/<path:name>")
@role_required(Role.ADMIN)
def edit(name: str) -> ResponseReturnValue:
    return _edit_page(find(get_session(), _live(), name))


@bp.post("/admin/outlets/edit/<path:name>")
@role_required(Role.ADMIN)
def save(name: str) -> ResponseReturnValue:
    row = find(get_session(), _live(), name)
    form = _form()

    def apply(session: Session) -> str:
        change_outlet(session, _live(), name, form, actor=current_user.username)
        return f"Saved {name}. Articles split and gatherings started from now on use it."

    try:
        return _saved(apply, lambda: name)
    except UserError as error:
        get_session().rollback()
        return _edit_page(row, form, error=str(error), status=error.status_code)


CHANGES = {
    "off": (turn_off, "{name} is turned off: new articles no longer find it."),
    "on": (turn_on, "{name} is turned on again."),
    "restore": (restore, "{name} is back to its entry in the registry's files."),
}


@bp.post("/admin/outlets/<any(off, on, restore):change>/<path:name>")
@role_required(Role.ADMIN)
def switch(change: str, name: str) -> ResponseReturnValue:
    row = find(get_session(), _live(), name)
    apply_change, message = CHANGES[change]

    def apply(session: Session) -> str:
        apply_change(session, _live(), name, actor=current_user.username)
        return message.format(name=name)

    try:
        return _saved(apply, lambda: name)
    except UserError as error:
        get_session().rollback()
        return _edit_page(row, error=str(error), status=error.status_code)
