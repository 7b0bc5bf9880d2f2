"""Practice wins: the kinds of step a person can name after a check-in, and where they fit.

After a check-in of a practice about steps and needs, one optional tap names what kind of
step it was. The kinds come from the practice itself: what someone rebuilding sexual
self-esteem works towards, named as moments, never as counts. The code is what is stored
with the check-in (a short word, so a later change can encrypt it per person like a note)
and what a button carries; its words are ``win_label_<code>`` and ``win_noted_<code>`` in
the locale's progress texts, and ``milestone_win_<code>`` the first time it is named.
"""

from __future__ import annotations

__all__ = ["WIN_KINDS", "WIN_RITUALS", "is_win", "offers_wins"]

# Each code never changes once stored: a want named, a no that was meant, a compliment
# taken in (without talking oneself down), a conversation about desire started, a moment
# of tenderness, a moment of playfulness.
WIN_KINDS = ("want", "no", "compliment", "desire", "tender", "play")
# The practices whose check-in is about a step taken or a need voiced.
WIN_RITUALS = frozenset({"small_wins", "needs_boundaries"})


def is_win(code: str) -> bool:
    """True for the code of a kind of step."""
    return code in WIN_KINDS


def offers_wins(ritual_key: str) -> bool:
    """True if a check-in of this practice may name its kind of step."""
    return ritual_key in WIN_RITUALS
