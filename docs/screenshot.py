"""Make docs/screenshot.png (a claim with its cross-references, gathered from outlets
played on loopback), docs/article.png (the article with its claims in place),
docs/report.png and docs/sample-report.pdf (its verification report, three claims
decided) from the demo article, in Debian's Chromium.

    PYTHONPATH=. .venv/bin/python docs/screenshot.py
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlmodel import Session
from werkzeug.serving import make_server

from factcheck.accounts.users import add_user
from factcheck.crossref import FetchPolicy, WarcArchive
from factcheck.crossref.gather import gather
from factcheck.crossref.store import claim_to_check, start_gathering, store_gathered
from factcheck.db import get_engine, session_scope
from factcheck.models import Claim, ClaimStatus, Role
from factcheck.outlets.registry import load_registry
from factcheck.review.rules import decide
from factcheck.web import create_app
from tests import crossref_world
from tests.harness import OutletSimulator, make_stack
from tests.helpers import split_now

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "fixtures" / "articles" / "memo-nato-daesh-2017.txt"
PASSWORD = "screenshot password"


def gather_all(database_url: str, claim_ids: list[int], registry, folder: Path) -> None:
    policy = FetchPolicy(allow_hosts=("127.0.0.1",), per_host_limit=4, min_delay=0)
    for claim_id in claim_ids:
        with session_scope(database_url) as session:
            start_gathering(session, claim_id)
            claim = claim_to_check(session, claim_id)
        found = gather(
            claim,
            registry=registry,
            policy=policy,
            archive=WarcArchive(folder),
            wire_agencies=("Reuters", "AFP"),
        )
        with session_scope(database_url) as session:
            store_gathered(session, claim_id, found)


VERDICTS = {
    "symbolic gesture": (
        ClaimStatus.DISPUTED,
        "Reuters printed \u201cwhether this just a symbolic gesture\u201d: the article added"
        " a word to the quote.",
    ),
    "NATO as an institution": (ClaimStatus.VERIFIED, "Word for word in the Reuters story."),
    "Tillerson said that": (ClaimStatus.UNSOURCED, "No transcript or outlet found yet."),
}


def decide_some(database_url: str, claim_ids: list[int]) -> None:
    """Three verdicts, so the report shows each kind beside claims still pending."""
    with session_scope(database_url) as session:
        reviewer = add_user(
            session, username="rosa", password=PASSWORD, role=Role.REVIEWER, actor="docs"
        )
        for claim_id in claim_ids:
            claim = session.get(Claim, claim_id)
            for words, (status, note) in VERDICTS.items():
                if words in claim.text:
                    decide(
                        session,
                        user=reviewer,
                        claim_id=claim_id,
                        status=status,
                        seen_version=claim.version,
                        now=claim.updated_at,
                        note=note,
                    )


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    stack = make_stack(folder)
    outlets = OutletSimulator()
    with outlets.running():
        registry = load_registry(crossref_world.build(outlets, folder))
        with Session(get_engine(stack.settings.database_url)) as session:
            article = split_now(session, DEMO.read_text(encoding="utf-8"), registry=registry)
            claim_ids = [claim.id for claim in article.claims]
            symbolic = next(c.id for c in article.claims if "symbolic gesture" in c.text)
        gather_all(stack.settings.database_url, claim_ids, registry, stack.settings.archive_dir)
    decide_some(stack.settings.database_url, claim_ids)
    with session_scope(stack.settings.database_url) as session:
        add_user(session, username="rita", password=PASSWORD, role=Role.EDITOR, actor="docs")
    server = make_server("127.0.0.1", 0, create_app(stack.settings), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(base + "/login")
        page.get_by_label("Username").fill("rita")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("button", name="Log out").wait_for()
        page.goto(f"{base}/claims/{symbolic}")
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"), full_page=True)
        page.goto(f"{base}/articles/{article.id}")
        page.screenshot(path=str(ROOT / "docs" / "article.png"))
        page.goto(f"{base}/articles/{article.id}/report")
        page.screenshot(path=str(ROOT / "docs" / "report.png"))
        pdf = page.request.get(f"{base}/articles/{article.id}/report.pdf")
        (ROOT / "docs" / "sample-report.pdf").write_bytes(pdf.body())
        browser.close()
    server.shutdown()
    stack.close()


if __name__ == "__main__":
    main()
