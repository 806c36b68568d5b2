"""Claim extraction: an article split into its check-worthy claims, each with the speaker
it is attributed to and the news outlets it cites. Plain Python: no Flask, no database,
no network.

Imports nothing of the project but the ground floor and the outlet registry
(`outlets.registry`, plain data: the names it looks for); pyproject.toml's
`extract-alone` contract holds it to that.
"""

from factcheck.extract.claims import extract
from factcheck.extract.document import looks_like_html, to_document
from factcheck.extract.model import Document, ExtractedClaim, Extraction
from factcheck.extract.text import normalise_text

__all__ = [
    "Document",
    "ExtractedClaim",
    "Extraction",
    "extract",
    "looks_like_html",
    "normalise_text",
    "to_document",
]
