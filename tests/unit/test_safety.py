"""Noticing danger in what people write: the grammar, its idioms, and its corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from messages.safety import (
    LOCALES,
    PATTERNS_FILE,
    Category,
    detect,
    load_grammar,
    normalise,
    read,
)
from tests.safety_corpus import SAFE, load, locales

S, H, V, P, D = (
    Category.SUICIDE,
    Category.SELF_HARM,
    Category.SEXUAL_VIOLENCE,
    Category.PARTNER_VIOLENCE,
    Category.DANGER_NOW,
)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # The issue's own examples of what a flat phrase list missed.
        ("i dont want to live anymore", S),
        ("im not safe", D),
        ("kms", S),
        ("gonna unalive myself", S),
        ("everyone would be better off without me", S),
        ("I want it all to stop", S),
        ("I don't want to wake up", S),
        ("I want to disappear", S),
        ("been self harming again", H),
        ("burned myself on purpose last night", H),
        ("relapsed", H),
        ("he made me when I said no", V),
        ("someone touched me without consent", V),
        ("I was molested as a kid", V),
        ("my partner pressures me into sex", P),
        ("he hits me", P),
        ("I'm scared to go home", P),
        # Folding: case, curly apostrophes, invisible characters, stretched letters.
        ("I WANT TO DIEEEE", S),
        ("i\u2019m not safe at home", D),
        ("everything is fine but i want\u200b to die", S),
        ("\u202ewant to die", S),
        ("i was sa'd at a party", V),
        # Next to the idioms kept safe: the same words about a person, or a place of danger.
        ("i wrote goodbye letters to my family", S),
        ("im trapped in his flat", D),
    ],
)
def test_danger_is_recognised_in_how_people_write(text: str, category: Category) -> None:
    assert category in detect(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'm dying to try that new cafe",
        "I want to dye my hair",
        "this deadline is killing me",
        "I can't go on the trip next week",
        "I cut myself a slice of cake",
        "I'd die for a good coffee",
        "we got killed in the quiz tonight",
        "I'm not suicidal, just tired",
        "I want to end things with him, kindly",
        "he respected my no and we cuddled instead",
        "felt safe and warm tonight",
        "trapped in another meeting that could have been an email",
        "wrote a goodbye letter to my old job for the ritual",
        "help",  # a word or two on its own is the rules' alone, never the model's
        "thanks",
        "",
    ],
)
def test_everyday_speech_is_not_taken_for_danger(text: str) -> None:
    assert detect(text) == frozenset()


def test_a_message_can_speak_of_more_than_one_danger() -> None:
    found = detect("my husband forces me to have sex and I want to die")
    assert {S, P} <= found


def test_sentences_do_not_join_into_a_match() -> None:
    assert detect("I want to. Die Hard is on tonight") == frozenset()


def test_an_unknown_locale_is_read_with_the_english_grammar() -> None:
    assert detect("i want to die", "pt-br") == frozenset({S})


def test_very_long_input_is_read_only_from_its_start() -> None:
    assert detect("fine. " * 5000 + "i want to die") == frozenset()
    assert detect("i want to die " + "fine. " * 5000) == frozenset({S})


def test_normalise_folds_case_apostrophes_and_sentence_ends() -> None:
    assert normalise("Don\u2019t.  STOP!!") == " dont . stop . "


def _grammar_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "crisis_patterns.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("[rules\n", "crisis_patterns.toml"),
        ('[rules]\nsuicide = ["{NOPE} die"]\n', "unknown macro"),
        ('[rules]\nsadness = ["x"]\n', "unknown categories"),
        ('[rules]\nsuicide = ["(unclosed"]\n', "broken pattern"),
        ("[macros]\nA = 1\n", "must map names to strings"),
        ('[macros]\nA = "{A}"\n[rules]\nsuicide = ["{A}"]\n', "nest too deeply"),
        ('[letters]\n"ae" = "a"\n', "single letters"),
    ],
)
def test_a_broken_grammar_is_refused_naming_the_file(
    tmp_path: Path, body: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem) as raised:
        load_grammar(_grammar_file(tmp_path, body))
    assert "crisis_patterns.toml" in str(raised.value)


# The target on the tuned split: 95 % per category and <= 3 % false alarms, held in
# every locale (benchmarks/safety_detection.py prints both splits; the held-out one, which
# nothing is tuned against, is the honest figure).
TUNED_RECALL_FLOOR = 0.95
TUNED_FALSE_ALARMS = 0.03


# A locale's own grammar is written against its tuned split; until then its people are
# read with the English patterns (test below), and there is no reach to keep.
GRAMMARS = [locale for locale in locales() if (LOCALES / locale / PATTERNS_FILE).exists()]


@pytest.mark.parametrize("locale", GRAMMARS)
def test_the_tuned_split_keeps_what_it_reached(locale: str) -> None:
    examples = load(locale, "tuned")
    for category in Category:
        mine = [e for e in examples if e.primary == category.value]
        caught = sum(bool(detect(e.text, locale) & set(e.labels)) for e in mine)
        assert caught >= TUNED_RECALL_FLOOR * len(mine), category
    safe = [e for e in examples if e.primary == SAFE]
    alarms = sum(bool(detect(e.text, locale)) for e in safe)
    assert alarms <= TUNED_FALSE_ALARMS * len(safe)


@pytest.mark.parametrize("locale", locales())
def test_the_corpus_keeps_a_held_out_third_apart(locale: str) -> None:
    tuned, held_out = load(locale, "tuned"), load(locale, "heldout")
    kept_apart, in_all = len(held_out), len(tuned) + len(held_out)
    assert kept_apart * 3 >= in_all and kept_apart >= 300
    # Counted, never shown: a failure message must not put held-out texts in front of
    # whoever tunes the rules (so only numbers reach an assert).
    shared = len({e.text for e in tuned} & {e.text for e in held_out})
    assert shared == 0
    every = [e.primary for e in tuned + held_out]
    for category in Category:
        assert every.count(category.value) >= 60, category
    assert every.count(SAFE) >= 100


@pytest.mark.parametrize("locale", ["de", "es", "de-AT", "es-MX"])
def test_german_and_spanish_people_are_read_with_the_english_patterns_too(locale: str) -> None:
    # People mix languages: the English patterns keep reading every locale.
    assert detect("i want to die", locale) == frozenset({S})
    assert detect("im not safe", locale) == frozenset({D})
    assert detect("this deadline is killing me", locale) == frozenset()


# Written for these tests (not taken from the corpora): plain words, chat spellings, dialect,
# and German and Spanish word order, forms and clitics.
@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Ich möchte einfach nicht mehr leben", S),
        ("ich moechte einfach nicht mehr leben", S),
        ("hab gestern wieder überlegt, mich umzubringen", S),
        ("Am liebsten wär ich tot.", S),
        ("meine familie wäre ohne mich echt besser dran", S),
        ("ich will mir das leben nehmen", S),
        ("i mog nimmer lebn", S),
        ("ich denk immer öfter an Suizid", S),
        ("ich ritze mich seit Wochen wieder", H),
        ("hab mich gestern abend wieder geschnitten", H),
        ("ich will mir nur wehtun, nicht sterben", H),
        ("hab mir mit absicht die hand verbrannt", H),
        ("er hat mich auf der feier vergewaltigt", V),
        ("mein Onkel hat mich als Kind missbraucht", V),
        ("er hat einfach weitergemacht, obwohl ich nein gesagt hab", V),
        ("ich glaub jemand hat mir K.O.-Tropfen gegeben", V),
        ("mein Mann schlägt mich, wenn er getrunken hat", P),
        ("mein freund hat mich gestern gewürgt", P),
        ("er kontrolliert mein Handy und mein ganzes Geld", P),
        ("ich hab echt Angst vor meinem Freund", P),
        ("Hilfe, jemand ist in meiner Wohnung", D),
        ("er hat ein Messer und ist total betrunken", D),
        ("ich werd verfolgt, seit dem bahnhof", D),
    ],
)
def test_danger_is_recognised_in_german(text: str, category: Category) -> None:
    assert category in detect(text, "de")


@pytest.mark.parametrize(
    "text",
    [
        "ich sterbe vor Hunger",
        "die Arbeit bringt mich noch um",
        "das Warten bringt mich um, ehrlich",
        "hab mir beim Kochen in den Finger geschnitten",
        "ich hab mir die Haare schneiden lassen",
        "ich bin nicht suizidal, nur müde",
        "ich will nicht mehr arbeiten, ich will Ferien",
        "todmüde nach dem Training",
        "mein Handy-Akku stirbt gleich",
        "die Katze hat mich gekratzt",
        "ich bring meine Schwester um, wenn sie nochmal mein Shampoo nimmt",
        "ich will die Wohnung heute noch putzen",  # German "die" is "the", even to English
        "Hilfe, ich find den Button für die Übung nicht",
        "ich hab mich an einem Blatt Papier geschnitten",
    ],
)
def test_german_idioms_and_negations_are_not_taken_for_danger(text: str) -> None:
    assert detect(text, "de") == frozenset()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("me quiero morir", S),
        ("Ya no quiero vivir así", S),
        ("estoy pensando en quitarme la vida", S),
        ("kiero matarme", S),
        ("¿vos pensás que todos estarían mejor sin mí?", S),
        ("no quiero seguir viviendo", S),
        ("me volví a cortar anoche", H),
        ("tengo muchas ganas de cortarme", H),
        ("me hago daño cuando me siento así", H),
        ("me violaron hace un año", V),
        ("mi tío abusó de mí cuando era chica", V),
        ("le dije que no y siguió igual", V),
        ("me tocó sin mi permiso en el bus", V),
        ("mi novio me pega cuando se enoja", P),
        ("mi esposo me controla el celular y el dinero", P),
        ("mi pareja me amenazó con matarme si lo dejo", P),
        ("ayuda, hay alguien en la casa", D),
        ("me están siguiendo y estoy sola", D),
        ("me tomé todas las pastillas", D),
        ("SOS", D),
    ],
)
def test_danger_is_recognised_in_spanish(text: str, category: Category) -> None:
    assert category in detect(text, "es")


@pytest.mark.parametrize(
    "text",
    [
        "me muero de risa",
        "me muero de hambre, ¿qué cocino?",
        "este calor me mata",
        "me corté el pelo y quedó raro",
        "mi jefe me va a matar si llego tarde",
        "me mata de ternura mi gato",
        "estoy muerta de sueño",
        "nunca he pensado en quitarme la vida, solo estoy cansada",
        "vos sabés que te quiero",
        "vos sos un genio",  # voseo's "sos" is "you are", not SOS
        "a propósito, ¿qué ritual toca mañana?",
        "necesito ayuda para entender el ejercicio",
    ],
)
def test_spanish_idioms_and_negations_are_not_taken_for_danger(text: str) -> None:
    assert detect(text, "es") == frozenset()


def test_a_threat_to_kill_is_partner_violence_and_not_a_wish_to_die() -> None:
    assert detect("mi pareja me amenazó con matarme", "es") == frozenset({P})


def test_german_and_spanish_letters_meet_their_plain_spelling() -> None:
    assert read("Größe ÜBEL", "de") == read("groesse uebel", "de") == " groesse uebel "
    assert read("Mañana él", "es") == " manana el "
    # English is read as typed: its patterns spell words with their accents ("fiancé").
    assert read("Mañana", "en") == " mañana "
