"""Ranking quality of the check-worthiness score on labelled debate sentences.

Reads the sample at run time (research data: it is never copied into the repository),
scores every sentence as a one-sentence text through the extractor's own scoring, and
prints the average precision next to that of a trivial baseline (sentence length).

    .venv/bin/python bench/checkworthiness.py [PATH_TO_SAMPLE.tsv]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from factcheck.extract.scoring import checkworthiness
from factcheck.extract.text import word_count

DEFAULT_SAMPLE = Path(__file__).resolve().parents[2] / "shared/fixtures/checkworthy/SAMPLE.tsv"


def average_precision(scores: list[float], labels: list[bool]) -> float:
    """Mean of the precision at each positive, ranking by score (ties broken pessimistically:
    negatives first), as sklearn's average_precision_score does up to tie handling."""
    ranked = sorted(zip(scores, labels, strict=True), key=lambda pair: (-pair[0], pair[1]))
    hits, total = 0, 0.0
    for rank, (_, positive) in enumerate(ranked, start=1):
        if positive:
            hits += 1
            total += hits / rank
    return total / hits if hits else 0.0


def read_sample(path: Path) -> tuple[list[str], list[bool]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [row["text"] for row in rows], [row["label"].strip() == "Yes" for row in rows]


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SAMPLE
    texts, labels = read_sample(path)
    ours = [checkworthiness(text, attributed=False) for text in texts]
    length = [float(word_count(text)) for text in texts]
    prevalence = sum(labels) / len(labels)
    print(f"sample: {len(texts)} sentences, {sum(labels)} check-worthy ({prevalence:.3f})")
    print(f"baseline AP (sentence length): {average_precision(length, labels):.3f}")
    print(f"checkworthiness AP:            {average_precision(ours, labels):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
