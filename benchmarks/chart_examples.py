"""Draw the README's example /progress pictures into docs/ (``make pictures``).

    .venv/bin/python benchmarks/chart_examples.py            # writes docs/progress-*.png
    .venv/bin/python benchmarks/chart_examples.py --out DIR

Each picture is exactly what /progress sends for that history (outside discreet mode, so
the practices are named), then stored with a palette of 128 colours: the committed files
are a third of the size, and no pixel moves by more than a few steps of 255.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from pathlib import Path

# Run as a script from anywhere: the project root holds the packages.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chart_data import NOW, ZONE, hard_week, lived_year, sparse_month
from PIL import Image

from progress.history import Entry
from progress.picture import choose_picture, render_picture

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES: dict[str, Callable[[], list[Entry]]] = {
    "progress-sparse-month.png": sparse_month,
    "progress-year.png": lived_year,
    "progress-hard-week.png": hard_week,
}


def draw(history: list[Entry]) -> bytes:
    """The PNG /progress sends for ``history`` at the examples' evening."""
    picture = choose_picture(history, ZONE, NOW)
    if picture is None:
        raise ValueError("an example must have something to draw")
    return render_picture(picture, history, ZONE, NOW, "en", discreet=False)


def smaller(png: bytes) -> bytes:
    """The same picture with 128 colours, no dithering: about a third of the bytes."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    fewer = image.quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    fewer.save(buffer, format="png", optimize=True)
    return buffer.getvalue()


def main() -> None:
    """Write every example and print its size."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder to write to")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, build in EXAMPLES.items():
        history = build()
        png = smaller(draw(history))
        (args.out / name).write_bytes(png)
        width, height = Image.open(io.BytesIO(png)).size
        print(f"{name}: {len(history)} check-ins, {width}x{height}, {len(png):,} bytes")


if __name__ == "__main__":
    main()
