"""`factcheck extract`: the claims of an article file, with no database. It imports
nothing but the extractor, the outlet registry and click, so it starts fast."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from factcheck.cli.common import print_json
from factcheck.extract import extract as extract_claims
from factcheck.outlets.registry import load_registry


@click.command()
@click.argument("source")
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="json")
def extract(source: str, output_format: str) -> None:
    """Print the claims of an article file (or - for standard input). No database."""
    settings_file = os.environ.get("FACTCHECK_OUTLETS_FILE")
    content = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    result = extract_claims(
        content, registry=load_registry(Path(settings_file) if settings_file else None)
    )
    if output_format == "json":
        print_json(result.as_dict())
        return
    click.echo(f"{result.title or '(no title)'} · {len(result.claims)} claims")
    for claim in result.claims:
        outlets = f" [{', '.join(claim.cited_outlets)}]" if claim.cited_outlets else ""
        click.echo(f"- {claim.text}\n    {claim.speaker or '—'}{outlets} · {claim.kind}")
