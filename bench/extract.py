"""Speed and memory of extract() against pySBD's sentence segmentation alone.

The development articles (tests/fixtures/articles) are repeated until they hold at least
2 MB of text; the same texts go through `extract` and through pySBD's segmenter, in the
same run. Prints articles/s, MB/s, the ratio and the peak resident memory.

    .venv/bin/python bench/extract.py [--mb 2]
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from pathlib import Path

from factcheck.extract import extract
from factcheck.extract.claims import shipped_registry

ARTICLES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "articles"


def corpus(min_bytes: int) -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(ARTICLES.glob("*.txt"))]
    result: list[str] = []
    size = 0
    while size < min_bytes:
        for text in texts:
            result.append(text)
            size += len(text.encode("utf-8"))
    return result


def timed(action, texts: list[str]) -> float:
    gc.collect()
    start = time.perf_counter()
    for text in texts:
        action(text)
    return time.perf_counter() - start


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=2.0, help="text to process, in MB")
    args = parser.parse_args(argv[1:])
    texts = corpus(int(args.mb * 1_000_000))
    megabytes = sum(len(text.encode("utf-8")) for text in texts) / 1_000_000
    registry = shipped_registry()
    extract(texts[0], registry=registry)  # warm-up: registry pattern, regex caches

    ours = timed(lambda text: extract(text, registry=registry), texts)
    rss_after_extract = peak_rss_mb()

    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    theirs = timed(segmenter.segment, texts)

    print(f"corpus: {len(texts)} articles, {megabytes:.2f} MB")
    for label, seconds in (("extract (whole pipeline)", ours), ("pySBD segmentation only", theirs)):
        print(
            f"{label:26s} {seconds:7.2f} s  {len(texts) / seconds:8.1f} articles/s"
            f"  {megabytes / seconds:6.3f} MB/s"
        )
    print(f"extract is {theirs / ours:.1f}x faster than pySBD segmentation alone")
    print(
        f"peak RSS after extract: {rss_after_extract:.0f} MB; after pySBD: {peak_rss_mb():.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
