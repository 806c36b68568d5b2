"""What every blueprint shares: the htmx and CSRF extensions, and ids as the database
stores them. Kept apart from the factory so that no blueprint imports the module that
imports it."""

from __future__ import annotations

from typing import Any

from flask_htmx import HTMX
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter, Map

LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` as the database stores ids: a larger number is no id (a 404), not an
    overflow error in the database driver."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, *args, max=LARGEST_ID, **kwargs)


def stored_id(text: str) -> int:
    """An id or version sent in a form or query, as the database can store it; werkzeug's
    `type=` takes this, and reads a value it refuses (ValueError) as missing."""
    number = int(text)
    if not 0 <= number <= LARGEST_ID:
        raise ValueError(f"{text} is not an id")
    return number


htmx = HTMX()
csrf = CSRFProtect()
