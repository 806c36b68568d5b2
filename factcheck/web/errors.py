"""Errors a person can read: a page for the browser, JSON for the API."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from factcheck.errors import UserError
from factcheck.web.db import app_settings, get_session
from factcheck.web.extensions import htmx

log = logging.getLogger(__name__)


# An htmx request swaps its answer into one part of the page; an error page takes the
# place of the page's main content instead of landing inside that part.
IN_PLACE_OF_MAIN = {"HX-Retarget": "#main", "HX-Reswap": "outerHTML", "HX-Reselect": "#main"}


def _respond(status: int, title: str, message: str) -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        return jsonify({"error": title, "message": message}), status
    page = render_template("error.html", status=status, title=title, message=message)
    return page, status, IN_PLACE_OF_MAIN if htmx and not htmx.boosted else {}


def _user_error(error: UserError) -> ResponseReturnValue:
    get_session().rollback()
    return _respond(error.status_code, "The request could not be done", str(error))


def _too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    limit = app_settings().max_article_bytes // 1_048_576
    return _respond(
        413, "Too large", f"What was sent is larger than the {limit} MB limit for one article."
    )


def _csrf(error: CSRFError) -> ResponseReturnValue:
    return _respond(
        400,
        "Form expired or forged",
        f"{error.description} Reload the page and send the form again.",
    )


def _http(error: HTTPException) -> ResponseReturnValue:
    return _respond(error.code or 500, error.name, error.description or "")


def _unexpected(error: Exception) -> ResponseReturnValue:
    log.exception("unhandled error", exc_info=error)
    return _respond(500, "Something went wrong", "The error has been logged. Try again shortly.")


def init_app(app: Flask) -> None:
    app.register_error_handler(UserError, _user_error)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)
