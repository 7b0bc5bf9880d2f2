"""How well crisis detection works: recall per category, false alarms and time per message.

    .venv/bin/python benchmarks/safety_detection.py            # every locale, both splits
    .venv/bin/python benchmarks/safety_detection.py --misses   # also list what was missed

The tuned split is what the rules were written against; the held-out split was written
separately and never tuned against, so its figures are the honest ones. A danger example is
caught when detection names any of its categories; a safe example that gets any category
is a false alarm. Targets: recall >= 95 % per category and <= 3 % false alarms (tuned),
>= 90 % and <= 5 % (held-out), under 0.2 ms per message.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import Counter
from pathlib import Path

# Run as a script from anywhere: the project root holds the packages.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from messages.safety import Category, detect
from tests.safety_corpus import SAFE, SPLITS, Example, load, locales


def measure(locale: str, examples: list[Example], *, show_misses: bool) -> None:
    """Print one split's table."""
    total: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    misses: list[str] = []
    for example in examples:
        found = detect(example.text, locale)
        total[example.primary] += 1
        hit = bool(found & set(example.labels)) if example.labels else not found
        caught[example.primary] += hit
        if not hit:
            got = ",".join(sorted(found)) or "-"
            misses.append(f"    {example.primary:<17} got {got:<30} {example.text}")
    for category in [c.value for c in Category]:
        n = total[category]
        print(f"  recall {category:<17} {caught[category]:>4}/{n:<4} {_pct(caught[category], n)}")
    alarms = total[SAFE] - caught[SAFE]
    print(f"  false alarms             {alarms:>4}/{total[SAFE]:<4} {_pct(alarms, total[SAFE])}")
    print(f"  time per message         {_time_per_message(locale, examples) * 1000:.3f} ms")
    if show_misses and misses:
        print("  misses:")
        print("\n".join(misses))


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:6.1f} %" if whole else "     -"


def _time_per_message(locale: str, examples: list[Example], rounds: int = 20) -> float:
    texts = [e.text for e in examples]
    detect(texts[0], locale)  # compile once, outside the timing
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            detect(text, locale)
    return (time.perf_counter() - start) / (rounds * len(texts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--misses", action="store_true", help="list the tuned split's misses (never held-out's)"
    )
    parser.add_argument("--split", choices=SPLITS, help="one split only")
    args = parser.parse_args()
    print(f"crisis detection on {platform.python_implementation()} {platform.python_version()}")
    for locale in locales():
        for split in [args.split] if args.split else SPLITS:
            examples = load(locale, split)
            print(f"\n{locale} {split} ({len(examples)} examples)")
            # Held-out misses are never printed: reading them is how tuning against them starts.
            measure(locale, examples, show_misses=args.misses and split == "tuned")


if __name__ == "__main__":
    main()
