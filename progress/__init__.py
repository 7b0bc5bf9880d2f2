"""Pure logic over check-ins: milestones, weekly summaries, /progress, /history, charts.

Nothing here imports Telegram, SQLAlchemy or the store: every function takes plain values
(a person's ``Entry`` history, their ``zone``, a ``now``) and returns text or PNG bytes,
with every word from ``messages`` (``locales/<locale>/progress.toml``). The pictures live in
``progress.chart`` and ``progress.year_chart`` and are not imported here (``progress.picture``
chooses and loads them), so using milestones does not load matplotlib.
"""

from progress.history import Entry, history_page
from progress.milestones import (
    journal_milestones,
    milestone_message,
    milestone_name,
    new_milestones,
)
from progress.patterns import patterns
from progress.picture import choose_picture, picture_caption
from progress.report import progress_message, progress_text
from progress.summary import weekly_summary

__all__ = [
    "Entry",
    "choose_picture",
    "history_page",
    "journal_milestones",
    "milestone_message",
    "milestone_name",
    "new_milestones",
    "patterns",
    "picture_caption",
    "progress_message",
    "progress_text",
    "weekly_summary",
]
