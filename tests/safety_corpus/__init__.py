"""Labelled phrasings for measuring crisis detection, per locale and split.

``<locale>_tuned*.tsv`` is what the rules may be tuned against; ``<locale>_heldout.tsv`` was
written separately and is never tuned against, so it shows how the rules generalise. Each
file was written by a different author, none of whom had read the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from messages.safety import Category

HERE = Path(__file__).parent
SPLITS = ("tuned", "heldout")
SAFE = "safe"


@dataclass(frozen=True, slots=True)
class Example:
    """One phrasing: its categories (primary first; none for a safe one) and its text."""

    labels: tuple[Category, ...]
    text: str
    # The file it came from: each file has one writer, so a file is the unit that tells how
    # well something learnt from the others reads a new writer.
    source: str = ""

    @property
    def primary(self) -> str:
        """The category it counts under in recall figures, or "safe"."""
        return self.labels[0].value if self.labels else SAFE


def load(locale: str, split: str) -> list[Example]:
    """Every example of one split; ValueError naming the line for a malformed one."""
    examples = []
    for path in sorted(HERE.glob(f"{locale}_{split}*.tsv")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            label, sep, text = line.partition("\t")
            if not sep or not text.strip():
                raise ValueError(f"{path}:{number}: expected LABEL<TAB>TEXT")
            labels = () if label == SAFE else tuple(Category(x) for x in label.split("+"))
            examples.append(Example(labels, text, path.stem))
    return examples


def locales() -> list[str]:
    """The locales that have a corpus."""
    return sorted({p.name.split("_")[0] for p in HERE.glob("*_tuned.tsv")})
