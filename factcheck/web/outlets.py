"""The admin's outlet registry: every outlet the extractor recognises and gathering asks,
searchable; adding one, changing one, turning one off or on, restoring the entry of the
registry's files. Each change is factcheck.outlets.edits', audited there, and reaches
every worker."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from factcheck.audit.search import page_numbers
from factcheck.crossref.health import RECENT, outlet_health
from factcheck.errors import UserError
from factcheck.models import Role, utcnow
from factcheck.outlets.edits import (
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
from factcheck.outlets.registry import FROM_FILE, NEWSROOM
from factcheck.web.auth import role_required
from factcheck.web.db import get_session
from factcheck.web.extensions import htmx

bp = Blueprint("outlets", __name__)

SOURCE_LABELS = {
    "shipped": "Shipped",
    "file": "Outlets file",
    "changed": "Changed here",
    "added": "Added here",
    "off": "Turned off",
}
FIELDS = ("name", "aliases", "domains", "feeds", "sitemaps", "search_url")


def _live() -> LiveRegistry:
    return current_app.extensions["factcheck.registry"]


def _partial() -> bool:
    # A search or a change swaps a part; a boosted link, a history restore or a plain
    # request gets the whole page.
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _form() -> EntryForm:
    return EntryForm(**{field: request.form.get(field, "") for field in FIELDS})


def _seen_edit() -> int | None:
    return request.form.get("seen_edit", type=int)


def source_label(row: OutletListing) -> str:
    return next(label for key, label in SOURCE_LABELS.items() if SOURCE_FILTERS[key](row))


@bp.get("/admin/outlets")
@role_required(Role.ADMIN)
def index() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()[:200]
    source = request.args.get("source", "")
    source = source if source in SOURCE_LABELS else ""
    result = search(
        get_session(),
        _live(),
        query=query,
        source=source,
        page=request.args.get("page", 1, type=int),
    )
    context = {
        "result": result,
        "query": query,
        "source": source,
        "sources": SOURCE_LABELS,
        "source_label": source_label,
        "page_numbers": page_numbers,
        "args": {key: value for key, value in (("q", query), ("source", source)) if value},
    }
    template = "admin/_outlets.html" if _partial() else "admin/outlets.html"
    return render_template(template, **context), {"Vary": "HX-Request"}


def _outlet_page(
    row: OutletListing | None,
    typed: EntryForm | None = None,
    *,
    error: UserError | None = None,
    done: str | None = None,
) -> ResponseReturnValue:
    context = {
        "row": row,
        "typed": typed or (EntryForm.of(row.outlet) if row else EntryForm(name="")),
        "error": error,
        "error_field": getattr(error, "field", None),
        "done": done,
        "label": source_label(row) if row else None,
        "restores_file": row is not None and row.base_source == FROM_FILE,
        "newsroom": NEWSROOM,
    }
    template = "admin/_outlet.html" if _partial() and row else "admin/outlet.html"
    status = error.status_code if error else 200
    return render_template(template, **context), status, {"Vary": "HX-Request"}


def _answer(
    name: str, apply: Callable[[], str], *, typed: EntryForm | None = None
) -> ResponseReturnValue:
    """Apply one change to the outlet `name`: its page again, with what was done (in
    place for htmx, by a redirect otherwise), or with why nothing was."""
    session = get_session()
    try:
        done = apply()
    except UserError as error:
        session.rollback()
        return _outlet_page(find(session, _live(), name), typed, error=error)
    session.commit()
    if _partial():
        return _outlet_page(find(session, _live(), name), done=done)
    flash(done)
    return redirect(url_for("outlets.edit", name=name), code=303)


@bp.get("/admin/outlets/health")
@role_required(Role.ADMIN)
def health() -> ResponseReturnValue:
    """How searching each outlet went lately, those that cannot be checked now first."""
    return render_template(
        "admin/outlet_health.html",
        health=outlet_health(get_session(), now=utcnow()),
        recent_days=RECENT.days,
    )


@bp.get("/admin/outlets/new")
@role_required(Role.ADMIN)
def new() -> ResponseReturnValue:
    return _outlet_page(None)


@bp.post("/admin/outlets")
@role_required(Role.ADMIN)
def add() -> ResponseReturnValue:
    form = _form()
    session = get_session()
    try:
        outlet = add_outlet(session, _live(), form=form, actor=current_user.username)
    except UserError as error:
        session.rollback()
        return _outlet_page(None, form, error=error)
    session.commit()
    flash(f"Added {outlet.name}. Articles split from now on find it.")
    return redirect(url_for("outlets.edit", name=outlet.name), code=303)


@bp.get("/admin/outlets/edit/<path:name>")
@role_required(Role.ADMIN)
def edit(name: str) -> ResponseReturnValue:
    return _outlet_page(find(get_session(), _live(), name))


@bp.post("/admin/outlets/edit/<path:name>")
@role_required(Role.ADMIN)
def save(name: str) -> ResponseReturnValue:
    find(get_session(), _live(), name)
    form = _form()

    def apply() -> str:
        change_outlet(
            get_session(),
            _live(),
            name=name,
            form=form,
            actor=current_user.username,
            seen_edit=_seen_edit(),
        )
        return f"Saved {name}. Articles split and gatherings started from now on use it."

    return _answer(name, apply, typed=form)


SWITCHES = {
    "off": (turn_off, "{name} is turned off: new articles no longer find it."),
    "on": (turn_on, "{name} is turned on again."),
    "restore": (restore, "{name} is back to its entry in the registry's files."),
}


@bp.post("/admin/outlets/<any(off, on, restore):change>/<path:name>")
@role_required(Role.ADMIN)
def switch(change: str, name: str) -> ResponseReturnValue:
    find(get_session(), _live(), name)
    apply_switch, message = SWITCHES[change]

    def apply() -> str:
        apply_switch(
            get_session(),
            _live(),
            name=name,
            actor=current_user.username,
            seen_edit=_seen_edit(),
        )
        return message.format(name=name)

    return _answer(name, apply)
