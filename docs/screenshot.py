"""Make docs/screenshot.png (the review screen) and docs/article.png (an article with its
claims in place) from the demo article, in Debian's Chromium.

    PYTHONPATH=. .venv/bin/python docs/screenshot.py
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlmodel import Session
from werkzeug.serving import make_server

from factcheck.accounts import add_user
from factcheck.db import get_engine, session_scope
from factcheck.models import Role
from factcheck.web import create_app
from tests.harness import make_stack
from tests.helpers import split_now

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "fixtures" / "articles" / "memo-nato-daesh-2017.txt"
PASSWORD = "screenshot password"


def main() -> None:
    stack = make_stack(Path(tempfile.mkdtemp()))
    with Session(get_engine(stack.settings.database_url)) as session:
        article = split_now(session, DEMO.read_text(encoding="utf-8"))
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
        page.goto(base + "/review")
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
        page.goto(f"{base}/articles/{article.id}")
        page.screenshot(path=str(ROOT / "docs" / "article.png"))
        browser.close()
    server.shutdown()
    stack.close()


if __name__ == "__main__":
    main()
