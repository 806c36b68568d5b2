"""The newsroom's changes to the outlet registry: an outlet added, changed, turned off or
on, restored; each reaches every process through the database, each is audited, and a
refused change writes nothing."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from factcheck.errors import UserError
from factcheck.extract import extract
from factcheck.models import AuditEvent, OutletEdit
from factcheck.models import Outlet as OutletRow
from factcheck.outlet_edits import (
    PAGE_SIZE,
    EntryForm,
    LiveRegistry,
    add_outlet,
    change_outlet,
    restore,
    search,
    turn_off,
    turn_on,
)
from factcheck.outlets import NEWSROOM, SHIPPED, load_registry
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


def test_an_added_outlet_is_cited_in_articles_split_afterwards(session, live):
    assert cited(live.current(session), SENTENCE) == set()

    outlet = add_outlet(session, live, PLANET, actor="ada")
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

    add_outlet(session, live, PLANET, actor="ada")
    session.commit()

    assert elsewhere.current(session).get("Daily Planet") is not None
    assert elsewhere.current(session).source_of["Daily Planet"] == NEWSROOM


def test_a_shipped_outlet_changed_then_restored_is_as_shipped_again(session, live):
    shipped = live.base.get("Reuters")
    form = EntryForm.of(shipped)
    changed = change_outlet(
        session,
        live,
        "Reuters",
        EntryForm(**{**form.__dict__, "feeds": "https://r.example/feed"}),
        actor="ada",
    )
    session.commit()
    assert changed.feeds == ("https://r.example/feed",)
    assert live.current(session).get("Reuters").feeds == ("https://r.example/feed",)
    assert live.current(session).source_of["Reuters"] == NEWSROOM

    restore(session, live, "Reuters", actor="ada")
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
    shipped = live.base.get("AFP")
    form = EntryForm.of(shipped)
    change_outlet(
        session, live, "AFP", EntryForm(**{**form.__dict__, "domains": "afp.fr"}), actor="a"
    )
    change_outlet(session, live, "AFP", form, actor="a")
    session.commit()

    assert live.current(session).source_of["AFP"] == SHIPPED


def test_a_turned_off_outlet_is_not_cited_until_turned_on(session, live):
    text = "The mayor will resign, the BBC reported."
    assert cited(live.current(session), text) == {"BBC"}

    turn_off(session, live, "BBC", actor="ada")
    session.commit()
    assert cited(live.current(session), text) == set()
    [row] = search(session, live, query="bbc", source="off").rows
    assert (row.name, row.off) == ("BBC", True)

    turn_on(session, live, "BBC", actor="ada")
    session.commit()
    assert cited(live.current(session), text) == {"BBC"}
    assert live.current(session).source_of["BBC"] == SHIPPED
    assert actions(session) == ["outlet.turned_off", "outlet.turned_on"]


def test_an_added_outlet_turned_off_and_on_keeps_its_entry(session, live):
    add_outlet(session, live, PLANET, actor="ada")
    turn_off(session, live, "Daily Planet", actor="ada")
    session.commit()
    assert live.current(session).get("Daily Planet") is None

    turn_on(session, live, "Daily Planet", actor="ada")
    session.commit()
    assert live.current(session).get("Daily Planet").feeds == (
        "https://dailyplanet.example/rss.xml",
    )


def test_a_change_reaches_the_outlet_rows_of_claims_already_citing_it(session, live):
    split_now(
        session,
        "The talks between the two parties failed, Reuters reported.",
        registry=live.current(session),
    )
    form = EntryForm.of(live.base.get("Reuters"))

    change_outlet(
        session,
        live,
        "Reuters",
        EntryForm(**{**form.__dict__, "domains": "reuters.example"}),
        actor="ada",
    )
    session.commit()

    row = session.exec(select(OutletRow).where(OutletRow.name == "Reuters")).one()
    session.refresh(row)
    assert row.domains == ["reuters.example"]


REFUSED = [
    (EntryForm(name="  "), 400, "Give the outlet a name"),
    (EntryForm(name="Bad\x07Name"), 400, "one line"),
    (EntryForm(name="x" * 201), 400, "at most 200"),
    (EntryForm(name="Reuters"), 409, "already in the registry"),
    (EntryForm(name="Daily Planet", aliases="AFP"), 409, "'AFP' already names AFP"),
    (EntryForm(name="Daily Planet", aliases="agence france-presse"), 409, "already names AFP"),
    (EntryForm(name="Daily Planet", domains="https://dailyplanet.example/"), 400, "not a domain"),
    (EntryForm(name="Daily Planet", domains="daily planet"), 400, "not a domain"),
    (EntryForm(name="Daily Planet", feeds="dailyplanet.example/rss"), 400, "not a web address"),
    (EntryForm(name="Daily Planet", feeds="javascript:alert(1)"), 400, "not a web address"),
    (EntryForm(name="Daily Planet", search_url="https://d.example/s"), 400, "{query}"),
    (
        EntryForm(
            name="Daily Planet", sitemaps="\n".join(f"https://d.example/{n}" for n in range(51))
        ),
        400,
        "At most 50",
    ),
    (EntryForm(name="Daily Planet", aliases="..."), 409, "has no letter"),
    (EntryForm(name="Daily Planet", aliases="minister"), 409, "would be found in ordinary words"),
]


@pytest.mark.parametrize(("form", "status", "reason"), REFUSED, ids=[r[2] for r in REFUSED])
def test_a_refused_outlet_writes_nothing_and_says_why(session, live, form, status, reason):
    with pytest.raises(UserError) as refused:
        add_outlet(session, live, form, actor="ada")
    session.rollback()

    assert refused.value.status_code == status
    assert reason in str(refused.value)
    assert count(session, OutletEdit) == 0
    assert count(session, AuditEvent) == 0


def test_an_outlet_turned_off_cannot_be_added_again_under_its_name(session, live):
    turn_off(session, live, "BBC", actor="ada")
    with pytest.raises(UserError, match="turned off: turn it on instead"):
        add_outlet(session, live, EntryForm(name="BBC"), actor="ada")


@pytest.mark.parametrize(
    ("apply", "status"),
    [
        (lambda s, live: turn_off(s, live, "Nobody News", actor="a"), 404),
        (lambda s, live: turn_on(s, live, "Reuters", actor="a"), 404),
        (lambda s, live: restore(s, live, "Reuters", actor="a"), 404),
        (
            lambda s, live: change_outlet(
                s, live, "Reuters", EntryForm.of(live.base.get("Reuters")), actor="a"
            ),
            409,
        ),
    ],
    ids=["off an unknown outlet", "on one not off", "restore one not changed", "no change"],
)
def test_a_change_that_cannot_apply_is_refused(session, live, apply, status):
    with pytest.raises(UserError) as refused:
        apply(session, live)
    assert refused.value.status_code == status
    assert count(session, OutletEdit) == 0


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
    registry = load_registry()
    for outlet in registry:
        registry.check_entry(outlet)
