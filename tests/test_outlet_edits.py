"""The newsroom's changes to the outlet registry: an outlet added, changed, turned off or
on, restored; each reaches every process through the database, each is audited, two
admins never overwrite each other, and a refused change writes nothing."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from dataclasses import replace

import pytest
from sqlmodel import Session, func, select

from factcheck.db import get_engine
from factcheck.errors import UserError
from factcheck.extract import extract
from factcheck.models import AuditEvent, OutletEdit
from factcheck.outlets.edits import (
    PAGE_SIZE,
    EntryForm,
    LiveRegistry,
    add_outlet,
    change_outlet,
    find,
    outlet_from_form,
    restore,
    search,
    turn_off,
    turn_on,
)
from factcheck.outlets.registry import NEWSROOM, SHIPPED, Outlet, Registry, load_registry
from tests.helpers import split_now

PLANET = EntryForm(
    name="Daily Planet",
    aliases="Planet newspaper\n",
    domains="https-free.dailyplanet.example\nwww.DailyPlanet.example",
    feeds="https://dailyplanet.example/rss.xml",
    search_url="https://dailyplanet.example/search?q={query}",
)
SENTENCE = "The mayor will resign next week, the Daily Planet reported on Monday."


@pytest.fixture
def live() -> LiveRegistry:
    return LiveRegistry(load_registry())


def cited(registry, text: str) -> set[str]:
    return {
        name for claim in extract(text, registry=registry).claims for name in claim.cited_outlets
    }


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def actions(session) -> list[str]:
    return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all())


def edited(form: EntryForm, **fields: str) -> EntryForm:
    return replace(form, **fields)


# Adding, changing, turning off and on, restoring


def test_an_added_outlet_is_cited_in_articles_split_afterwards(session, live):
    assert cited(live.current(session), SENTENCE) == set()

    outlet = add_outlet(session, live, form=PLANET, actor="ada")
    session.commit()

    assert outlet.domains == ("https-free.dailyplanet.example", "dailyplanet.example")
    assert outlet.aliases == ("Planet newspaper",)
    assert cited(live.current(session), SENTENCE) == {"Daily Planet"}
    article = split_now(session, SENTENCE, registry=live.current(session))
    assert [o.name for c in article.claims for o in c.outlets] == ["Daily Planet"]
    added = session.exec(select(AuditEvent).where(AuditEvent.action == "outlet.added")).one()
    assert (added.actor, added.object_id, added.before) == ("ada", "Daily Planet", None)
    assert added.after["feeds"] == ["https://dailyplanet.example/rss.xml"]


def test_another_process_sees_a_change_at_its_next_use(session, live):
    elsewhere = LiveRegistry(load_registry())
    assert elsewhere.current(session).get("Daily Planet") is None

    add_outlet(session, live, form=PLANET, actor="ada")
    session.commit()

    assert elsewhere.current(session).get("Daily Planet") is not None
    assert elsewhere.current(session).source_of["Daily Planet"] == NEWSROOM


def test_a_shipped_outlet_changed_then_restored_is_as_shipped_again(session, live):
    shipped = live.base.get("Reuters")
    form = edited(EntryForm.of(shipped), feeds="https://r.example/feed")

    changed = change_outlet(session, live, name="Reuters", form=form, actor="ada")
    session.commit()
    assert changed.feeds == ("https://r.example/feed",)
    assert live.current(session).get("Reuters").feeds == ("https://r.example/feed",)
    assert live.current(session).source_of["Reuters"] == NEWSROOM

    restore(session, live, name="Reuters", actor="ada")
    session.commit()

    assert live.current(session).get("Reuters") == shipped
    assert live.current(session).source_of["Reuters"] == SHIPPED
    changed_event, restored_event = session.exec(
        select(AuditEvent).where(AuditEvent.object_type == "outlet").order_by(AuditEvent.id)
    ).all()
    assert (changed_event.action, changed_event.object_id) == ("outlet.changed", "Reuters")
    assert changed_event.after["feeds"] == ["https://r.example/feed"]
    assert "feeds" not in changed_event.before
    assert (restored_event.action, restored_event.after.get("feeds")) == ("outlet.restored", None)


def test_changing_an_outlet_back_to_its_shipped_entry_ends_the_change(session, live):
    form = EntryForm.of(live.base.get("AFP"))
    change_outlet(session, live, name="AFP", form=edited(form, domains="afp.fr"), actor="a")
    change_outlet(session, live, name="AFP", form=form, actor="a")
    session.commit()

    assert live.current(session).source_of["AFP"] == SHIPPED


def test_every_shipped_entry_comes_back_from_its_form_unchanged():
    for outlet in load_registry():
        assert outlet_from_form(EntryForm.of(outlet)) == outlet, outlet.name


def test_saving_an_unchanged_form_changes_nothing(session, live):
    with pytest.raises(UserError, match="Nothing to save"):
        change_outlet(
            session, live, name="TASS", form=EntryForm.of(live.base.get("TASS")), actor="a"
        )


def test_a_turned_off_outlet_is_not_cited_until_turned_on(session, live):
    text = "The mayor will resign, the BBC reported."
    assert cited(live.current(session), text) == {"BBC"}

    turn_off(session, live, name="BBC", actor="ada")
    session.commit()
    assert cited(live.current(session), text) == set()
    [row] = search(session, live, query="bbc", source="off").rows
    assert (row.name, row.off) == ("BBC", True)

    turn_on(session, live, name="BBC", actor="ada")
    session.commit()
    assert cited(live.current(session), text) == {"BBC"}
    assert live.current(session).source_of["BBC"] == SHIPPED
    assert actions(session) == ["outlet.turned_off", "outlet.turned_on"]


def test_an_added_outlet_turned_off_and_on_keeps_its_entry(session, live):
    add_outlet(session, live, form=PLANET, actor="ada")
    turn_off(session, live, name="Daily Planet", actor="ada")
    session.commit()
    assert live.current(session).get("Daily Planet") is None

    turn_on(session, live, name="Daily Planet", actor="ada")
    session.commit()
    planet = live.current(session).get("Daily Planet")
    assert planet.feeds == ("https://dailyplanet.example/rss.xml",)


# Two admins at once


def test_a_change_made_since_the_page_was_opened_is_refused(session, live):
    seen = find(session, live, "Reuters").last_edit
    form = EntryForm.of(live.base.get("Reuters"))
    change_outlet(
        session,
        live,
        name="Reuters",
        form=edited(form, feeds="https://a.example/f"),
        actor="ann",
        seen_edit=seen,
    )
    session.commit()

    with pytest.raises(UserError, match="changed by ann since you opened it") as refused:
        change_outlet(
            session,
            live,
            name="Reuters",
            form=edited(form, sitemaps="https://b.example/s"),
            actor="bob",
            seen_edit=seen,
        )
    session.rollback()

    assert refused.value.status_code == 409
    assert live.current(session).get("Reuters").feeds == ("https://a.example/f",)
    with pytest.raises(UserError, match="changed by ann"):
        turn_off(session, live, name="Reuters", actor="bob", seen_edit=seen)


def test_a_second_admin_waits_for_the_first_and_then_sees_their_change(stack, session, live):
    engine = get_engine(stack.settings.database_url)
    first = Session(engine)
    add_outlet(first, live, form=edited(PLANET, aliases="Gamma paper"), actor="ann")
    outcome: list[object] = []

    def second_admin() -> None:
        with Session(engine) as second:
            try:
                form = EntryForm(name="Gamma Gazette", aliases="Gamma paper")
                outcome.append(add_outlet(second, live, form=form, actor="bob"))
                second.commit()
            except UserError as error:
                outcome.append(error)

    waiting = threading.Thread(target=second_admin)
    waiting.start()
    time.sleep(0.5)
    assert waiting.is_alive(), "the second change did not wait for the first"
    first.commit()
    first.close()
    waiting.join(timeout=20)

    [refused] = outcome
    assert "'Gamma paper' already names Daily Planet" in str(refused)
    assert count(session, OutletEdit) == 1


# Refusals


REFUSED = [
    (EntryForm(name="  "), 400, "Give the outlet a name"),
    (EntryForm(name="Bad\x07Name"), 400, "one line"),
    (EntryForm(name="x" * 121), 400, "at most 120"),
    (EntryForm(name="/Daily Planet"), 400, "does not begin or end with /"),
    (EntryForm(name="Daily/../Planet"), 400, ". or .. between slashes"),
    (EntryForm(name="Reuters"), 409, "already in the registry"),
    (EntryForm(name="Daily Planet", aliases="AFP"), 409, "'AFP' already names AFP"),
    (EntryForm(name="Daily Planet", aliases="agence france-presse"), 409, "already names AFP"),
    (EntryForm(name="Daily Planet", aliases="Planet " + "x" * 120), 400, "at most 120"),
    (EntryForm(name="Daily Planet", domains="https://dailyplanet.example/"), 400, "not a domain"),
    (EntryForm(name="Daily Planet", domains="daily planet"), 400, "not a domain"),
    (EntryForm(name="Daily Planet", domains="co.uk"), 400, "shared by many sites"),
    (EntryForm(name="Daily Planet", domains="bbc.co.uk"), 409, "overlaps the domains of BBC"),
    (EntryForm(name="Daily Planet", domains="news.bbc.co.uk"), 409, "overlaps the domains of BBC"),
    (EntryForm(name="Daily Planet", feeds="dailyplanet.example/rss"), 400, "not a web address"),
    (EntryForm(name="Daily Planet", feeds="javascript:alert(1)"), 400, "not a web address"),
    (EntryForm(name="Daily Planet", search_url="https://d.example/s"), 400, "{query}"),
    (EntryForm(name="Daily Planet", search_url="https://{query}.example/"), 400, "{query}"),
    (
        EntryForm(name="Daily Planet", search_url="https://d.example/?q={query}\r\nX: y"),
        400,
        "one line",
    ),
    (
        EntryForm(name="Daily Planet", search_url="https://d.example/?q={query}" + "x" * 2000),
        400,
        "at most 2000",
    ),
    (
        EntryForm(
            name="Daily Planet", sitemaps="\n".join(f"https://d.example/{n}" for n in range(51))
        ),
        400,
        "At most 50",
    ),
    (EntryForm(name="Daily Planet", aliases="..."), 409, "has no letter"),
    (EntryForm(name="Daily Planet", aliases="minister"), 409, "found in the words around"),
]


@pytest.mark.parametrize(("form", "status", "reason"), REFUSED, ids=[r[2] for r in REFUSED])
def test_a_refused_outlet_writes_nothing_and_says_why(session, live, form, status, reason):
    with pytest.raises(UserError) as refused:
        add_outlet(session, live, form=form, actor="ada")
    session.rollback()

    assert refused.value.status_code == status
    assert reason in str(refused.value)
    assert count(session, OutletEdit) == 0
    assert count(session, AuditEvent) == 0


def test_an_outlet_turned_off_cannot_be_added_again_under_its_name(session, live):
    turn_off(session, live, name="BBC", actor="ada")
    with pytest.raises(UserError, match="turned off: turn it on instead"):
        add_outlet(session, live, form=EntryForm(name="BBC"), actor="ada")


def test_a_name_restored_then_dropped_from_the_outlets_file_can_be_added(session):
    with_file = LiveRegistry(load_registry())
    with_file.base.outlets["Local Courier"] = Outlet("Local Courier")
    change_outlet(
        session,
        with_file,
        name="Local Courier",
        form=EntryForm(name="Local Courier", domains="courier.example"),
        actor="a",
    )
    restore(session, with_file, name="Local Courier", actor="a")
    session.commit()
    without_file = LiveRegistry(load_registry())

    added = add_outlet(session, without_file, form=EntryForm(name="Local Courier"), actor="a")

    assert added.name == "Local Courier"


@pytest.mark.parametrize(
    ("apply", "status"),
    [
        (lambda s, live: turn_off(s, live, name="Nobody News", actor="a"), 404),
        (lambda s, live: turn_on(s, live, name="Reuters", actor="a"), 404),
        (lambda s, live: restore(s, live, name="Reuters", actor="a"), 404),
        (
            lambda s, live: change_outlet(
                s, live, name="Reuters", form=EntryForm.of(live.base.get("Reuters")), actor="a"
            ),
            409,
        ),
    ],
    ids=["off an unknown outlet", "on one not off", "restore one not changed", "no change"],
)
def test_a_change_that_cannot_apply_is_refused(session, live, apply, status):
    with pytest.raises(UserError) as refused:
        apply(session, live)
    session.rollback()
    assert refused.value.status_code == status
    assert count(session, OutletEdit) == 0


# Names the matcher must cope with


def test_the_longest_names_allowed_are_found_by_the_extractor():
    long_name = "The " + " ".join(["Evening"] * 14) + " Star"
    prefixes = [("Ab " * n).strip() + " Courier" for n in range(1, 30)]
    registry = load_registry().with_changes(
        {long_name: Outlet(long_name), "Ab Courier": Outlet("Ab Courier", aliases=tuple(prefixes))}
    )

    text = f"The council will close the harbour next year, the {long_name} reported on Monday."

    assert len(long_name) <= 120
    assert cited(registry, text) == {long_name}


def test_a_registry_s_compiled_finder_goes_with_it():
    registry = load_registry().with_changes({"Daily Planet": Outlet("Daily Planet")})
    assert cited(registry, SENTENCE) == {"Daily Planet"}
    gone = weakref.ref(registry)

    del registry
    gc.collect()

    assert gone() is None


# The list


def test_search_finds_by_name_alias_or_domain_a_page_at_a_time(session, live):
    assert [row.name for row in search(session, live, query="thomson").rows] == ["Reuters"]
    assert [row.name for row in search(session, live, query="apnews.com").rows] == [
        "Associated Press"
    ]
    everything = search(session, live)
    assert everything.total == len(live.base)
    assert len(everything.rows) == PAGE_SIZE
    last = search(session, live, page=999)
    assert last.page == last.pages == -(-len(live.base) // PAGE_SIZE)
    assert search(session, live, source="added").total == 0


def test_every_shipped_entry_keeps_the_rules_an_admins_entry_must_keep():
    registry: Registry = load_registry()
    for outlet in registry:
        registry.check_entry(outlet)
