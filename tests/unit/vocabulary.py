"""The words the text tests look for, per language: each language's own list, written by
someone who reads it, because a shame word or a lock-screen word does not translate word
for word ("should" is "solltest" and "deberías"; "tap" is "tippe" and "toca").

A new locale needs its entry here before its texts can pass (tests/unit/test_words.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Words:
    """What to look for in one language's texts."""

    # Shames a pause, counts what was left undone, or presses: never anywhere.
    shame: re.Pattern[str]
    # A weekday or a time of day: never in what is sent with a prompt (only {part_of_day}).
    when: re.Pattern[str]
    # Nothing intimate on a prompt's first line, the one a locked phone shows.
    intimate: re.Pattern[str]
    # Nothing telling on a care offer's first line, the one a locked phone shows.
    revealing: re.Pattern[str]
    # Nothing explicit anywhere: the practices are about comfort and self-regard.
    explicit: re.Pattern[str]
    # Every prompt says about how long it takes.
    minutes: re.Pattern[str]
    # A prompt's last sentence invites a tap.
    tap: str
    # A care offer does not start with thanks (the thank-you came just before), offers the
    # exercise and, lightly, people (a therapist, someone), and gives no orders.
    thanks: str
    exercise: str
    therapist: str
    someone: str
    orders: re.Pattern[str]


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


WORDS = {
    "en": Words(
        shame=_words(
            r"\b(?:missed|failed|streak|broke|behind|should)\b|\bagain\?"
            r"|\byou haven['\u2019]t\b|\bin a row\b"
        ),
        when=_words(
            r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekends?"
            r"|morning|afternoon|evening|night|tonight|bedtime|midnight|noon|midday"
            r"|today|tomorrow|yesterday)\b|\bbefore (?:sleep|bed)\b"
        ),
        intimate=_words(
            r"\b(?:sex\w*|desire\w*|intima\w*|pleasure\w*|touch\w*|kiss\w*|lover\w*|partner\w*"
            r"|flirt\w*|naked|nude|erotic\w*|arous\w*|rejection|rejected|shame\w*)\b"
        ),
        revealing=_words(
            r"\b(?:hard|low|rating|rated|sex\w*|body|bodies|intima\w*|boundar\w*|needs|hurt\w*"
            r"|sad|pain\w*|crisis|therap\w*)\b"
        ),
        explicit=_words(
            r"\b(?:orgasm\w*|genital\w*|penis\w*|vagina\w*|clitor\w*|nude\w*|naked|porn\w*"
            r"|masturbat\w*|arous\w*|erotic\w*)\b"
        ),
        minutes=_words(r"\bminutes?\b"),
        tap="tap",
        thanks="thank",
        exercise="exercise",
        therapist="therapist",
        someone="someone",
        orders=_words(r"\byou (?:should|must|need to|have to)\b"),
    ),
    # German: versäumt/verpasst (missed), gescheitert/versagt (failed), Serie/Strähne
    # (streak), solltest/musst (should/must), schon wieder (again), hintereinander (in a row).
    "de": Words(
        shame=_words(
            r"\b(?:versäum\w*|verpass\w*|gescheitert|scheiter\w*|versag\w*|serie\w*|strähne\w*"
            r"|solltest|sollst|musst|hintereinander|nicht geschafft|rückstand)\b"
            r"|\bschon wieder\b|\bwieder\?|\bdu hast (?:es )?nicht\b"
        ),
        # Compounds too: "Sonntagabend", "Nachmittag" (but not "Abendrot").
        when=_words(
            r"\b(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)\w*"
            r"|\b\w*(?:morgen|abend|nacht|mittag)s?\b"
            r"|\b(?:wochenende\w*|heute|gestern|mitternacht|schlafenszeit|bettzeit)\b"
            r"|\bvor dem schlaf\w*"
        ),
        intimate=_words(
            r"\b(?:sex\w*|lust\w*|begehr\w*|intim\w*|berühr\w*|küss\w*|kuss|liebhaber\w*"
            r"|partner\w*|flirt\w*|nackt\w*|erot\w*|erreg\w*|zärtlich\w*|abgewiesen"
            r"|zurückweis\w*|ablehnung\w*|abgelehnt|scham\w*|schäm\w*)\b"
        ),
        revealing=_words(
            r"\b(?:schwer\w*|gedrückt|niedrig\w*|bewert\w*|sex\w*|körper\w*|intim\w*|grenze\w*"
            r"|bedürfnis\w*|verletz\w*|weh|traurig\w*|schmerz\w*|krise\w*|therap\w*)\b"
        ),
        explicit=_words(
            r"\b(?:orgasm\w*|genital\w*|penis\w*|vagina\w*|klitor\w*|nackt\w*|porn\w*"
            r"|masturb\w*|erregung\w*|erot\w*)\b"
        ),
        minutes=_words(r"\bminuten?\b"),
        tap="tipp",
        thanks="dank",
        exercise="übung",
        therapist="therapeut",
        someone="jemand",
        orders=_words(r"\bdu (?:solltest|musst|sollst)\b"),
    ),
    # Spanish: fallaste/fallado (failed), perdiste (missed), racha (streak), deberías/debes/
    # tienes que (should/must), otra vez (again), seguidos (in a row), atrasad* (behind).
    "es": Words(
        shame=_words(
            r"\b(?:fall\w*|fracas\w*|perdiste|perdido|racha\w*|deberías|debes|debiste"
            r"|seguidos|seguidas|atrasad\w*|no lo lograste|no has)\b"
            r"|\btienes que\b|\botra vez\b|\bde nuevo\?"
        ),
        when=_words(
            r"\b(?:lunes|martes|miércoles|jueves|viernes|sábados?|domingos?|fin de semana"
            r"|mañanas?|tardes?|noches?|anoche|hoy|ayer|mediodía|medianoche|madrugada"
            r"|hora de dormir)\b|\bantes de dormir\b"
        ),
        intimate=_words(
            r"\b(?:sex\w*|deseo\w*|desea\w*|íntim\w*|intimidad|placer\w*|tocar\w*|tócate"
            r"|caricia\w*|acarici\w*|bes[oa]\w*|amante\w*|pareja\w*|coquete\w*|desnud\w*"
            r"|erótic\w*|excita\w*|rechaz\w*|vergüenza|avergonz\w*)\b"
        ),
        revealing=_words(
            r"\b(?:difícil\w*|duro|bajo|baja|valoraci\w*|sex\w*|cuerpo\w*|íntim\w*|límite\w*"
            r"|necesidad\w*|herid\w*|dolid\w*|dolor\w*|triste\w*|crisis|terap\w*)\b"
        ),
        explicit=_words(
            r"\b(?:orgasm\w*|genital\w*|pene\w*|vagina\w*|clítor\w*|desnud\w*|porn\w*"
            r"|masturb\w*|excitaci\w*|erótic\w*)\b"
        ),
        minutes=_words(r"\bminutos?\b"),
        tap="toca",
        thanks="gracias",
        exercise="ejercicio",
        therapist="terapeuta",
        someone="alguien",
        orders=_words(r"\b(?:deberías|debes|tienes que)\b"),
    ),
}
