"""The app under test in bench/queue.py: factcheck's own app, plus one bare endpoint that
reads a claim by primary key through the same engine (the baseline)."""

from __future__ import annotations

from flask import jsonify

from factcheck.models import Claim
from factcheck.web import create_app
from factcheck.web.auth import PUBLIC_ENDPOINTS
from factcheck.web.db import get_session

app = create_app()


@app.get("/bench/claims/<int:claim_id>")
def bare_claim(claim_id: int):
    claim = get_session().get(Claim, claim_id)
    return jsonify({"id": claim.id, "text": claim.text, "status": claim.status.value})


PUBLIC_ENDPOINTS.add("bare_claim")
