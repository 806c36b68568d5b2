"""How fast `factcheck extract` starts: the CLI loads only the module of the command it
runs, so a one-sentence article is answered in about the time Python takes to import
click and the extractor.

Runs, alternating, N times each and in the same run: `python -c pass` (the interpreter
alone, the baseline), `factcheck extract -` on one sentence, and `factcheck --version`
(the group with no command loaded). Prints the median and the 90th percentile of each,
the extract command's ratio to the baseline, and whether it meets the target (0.3 s).

    .venv/bin/python bench/startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_SECONDS = 0.3
FACTCHECK = str(Path(sys.executable).with_name("factcheck"))
SENTENCE = "The minister told reporters the bridge would reopen in May.\n"
COMMANDS = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "factcheck --version": [FACTCHECK, "--version"],
    "factcheck extract -": [FACTCHECK, "extract", "-", "--format", "json"],
}


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, input=SENTENCE, capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():
        seconds(command)  # warm the file cache and the bytecode
    for _ in range(runs):
        for name, command in COMMANDS.items():
            times[name].append(seconds(command))
    for name, measured in times.items():
        ordered = sorted(measured)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        print(f"{name:<28} median {statistics.median(measured):.3f} s   p90 {p90:.3f} s")
    extract = statistics.median(times["factcheck extract -"])
    baseline = statistics.median(times["python -c pass (baseline)"])
    print(f"extract / baseline: {extract / baseline:.1f}x")
    verdict = "met" if extract < TARGET_SECONDS else "NOT met"
    print(f"target: factcheck extract starts in under {TARGET_SECONDS} s: {verdict}")


if __name__ == "__main__":
    main()
