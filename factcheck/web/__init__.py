"""The web tier: the Flask app factory (`app`), one blueprint per user-facing area, and
htmx partials. Thin glue over the areas: views read a request, call a domain function,
commit, and answer a page or a partial. May import every area and dispatch tasks.
"""

from factcheck.web.app import create_app

__all__ = ["create_app"]
