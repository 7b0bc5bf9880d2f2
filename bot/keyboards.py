"""Every keyboard the bot shows, built in one place from `messages/` labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot import callbacks
from messages import locales, render, ritual_text, rituals
from messages.formats import city_name, clock, country_name, language_name, weekday
from progress.sharing import SHARE_KINDS
from progress.wins import WIN_KINDS
from scheduler.zones import COMMON_ZONES
from store.models import Subscription
from store.partner_sharing import DEADLINE_CHOICES


def _button(label_key: str, locale: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(render(label_key, locale), callback_data=data)


def _grid(
    buttons: Iterable[InlineKeyboardButton], per_row: int
) -> list[list[InlineKeyboardButton]]:
    items = list(buttons)
    return [items[i : i + per_row] for i in range(0, len(items), per_row)]


def _rows(buttons: Iterable[InlineKeyboardButton], per_row: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(_grid(buttons, per_row))


def _choice(locale: str, *options: tuple[str, str]) -> InlineKeyboardMarkup:
    """One button per row, each a label key and its callback data: a plain choice."""
    return _rows((_button(key, locale, data) for key, data in options), per_row=1)


def adult(locale: str) -> InlineKeyboardMarkup:
    """Confirm 18+ or not."""
    return _choice(
        locale, ("btn_adult_yes", callbacks.adult("yes")), ("btn_adult_no", callbacks.adult("no"))
    )


def consent(locale: str) -> InlineKeyboardMarkup:
    """Agree to storing answers, or not now."""
    return _choice(
        locale,
        ("btn_consent_yes", callbacks.consent("yes")),
        ("btn_consent_no", callbacks.consent("no")),
    )


def zones(locale: str) -> InlineKeyboardMarkup:
    """Quick buttons for common timezones, labelled by their city in the person's language."""
    return _rows(
        (
            InlineKeyboardButton(city_name(name, locale), callback_data=callbacks.zone(name))
            for name in COMMON_ZONES
        ),
        per_row=3,
    )


def share_location(locale: str) -> ReplyKeyboardMarkup:
    """A one-time reply keyboard whose button shares the person's location."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(render("btn_share_location", locale), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def ritual_list(locale: str, active: Mapping[str, Subscription]) -> InlineKeyboardMarkup:
    """One button per ritual in the catalogue, marking the ones that are on."""
    buttons = []
    for ritual in rituals():
        name = ritual_text(ritual.key, locale).name
        sub = active.get(ritual.key)
        label = name
        if sub is not None:
            label = render("btn_ritual_on", locale, name=name, time=clock(sub.local_time, locale))
        buttons.append(
            InlineKeyboardButton(label, callback_data=callbacks.ritual_view(ritual.key))
        )
    return _rows(buttons, per_row=1)


def first_ritual(locale: str) -> InlineKeyboardMarkup:
    """The onboarding offer: tap a ritual to start it at its default time."""
    return _rows(
        (
            InlineKeyboardButton(
                ritual_text(r.key, locale).name, callback_data=callbacks.ritual_on(r.key)
            )
            for r in rituals()
        ),
        per_row=1,
    )


def ritual_page(
    locale: str, key: str, default_time: str, *, is_on: bool, is_paused: bool = False
) -> InlineKeyboardMarkup:
    """What can be done with one ritual from its page."""
    if is_on:
        if is_paused:
            pause = _button("btn_resume_one", locale, callbacks.ritual_resume(key))
        else:
            pause = _button("btn_pause_one", locale, callbacks.ritual_pause_ask(key))
        buttons = [
            _button("btn_choose_days", locale, callbacks.ritual_days(key)),
            _button("btn_change_time", locale, callbacks.ritual_ask_time(key)),
            pause,
            _button("btn_turn_off", locale, callbacks.ritual_off(key)),
        ]
    else:
        buttons = [
            InlineKeyboardButton(
                render("btn_turn_on", locale, time=clock(default_time, locale)),
                callback_data=callbacks.ritual_on(key),
            ),
            _button("btn_other_time", locale, callbacks.ritual_ask_time(key)),
        ]
    buttons.append(_button("btn_back", locale, callbacks.ritual_list()))
    return _rows(buttons, per_row=1)


def days(locale: str, key: str, chosen: frozenset[int], *, weekly: bool) -> InlineKeyboardMarkup:
    """The seven days, the chosen ones marked; presets unless the ritual is weekly; Done."""
    day_buttons = [
        InlineKeyboardButton(
            render(
                "btn_day_chosen" if day in chosen else "btn_day",
                locale,
                day=weekday(day, locale, short=True),
            ),
            callback_data=callbacks.ritual_day(key, day),
        )
        for day in range(7)
    ]
    rows = _grid(day_buttons, per_row=4)
    if not weekly:
        rows.append(
            [
                _button(f"btn_days_{preset}", locale, callbacks.ritual_preset(key, preset))
                for preset in ("daily", "weekdays", "weekends")
            ]
        )
    rows.append([_button("btn_days_done", locale, callbacks.ritual_view(key))])
    return InlineKeyboardMarkup(rows)


def pause_choices(locale: str, lengths: Iterable[str], *, paused: bool) -> InlineKeyboardMarkup:
    """How long to pause every prompt, two to a row; while paused, a way to resume too."""
    buttons = [
        _button(f"btn_pause_{length}", locale, callbacks.pause(length)) for length in lengths
    ]
    rows = _grid(buttons, per_row=2)
    if paused:
        rows.append([_button("btn_resume_now", locale, callbacks.resume())])
    return InlineKeyboardMarkup(rows)


def ritual_pause_choices(locale: str, key: str, lengths: Iterable[str]) -> InlineKeyboardMarkup:
    """How long to pause one ritual, two to a row, and a way back to its page."""
    buttons = [
        _button(f"btn_pause_{length}", locale, callbacks.ritual_pause(key, length))
        for length in lengths
    ]
    back = _button("btn_back_to_ritual", locale, callbacks.ritual_view(key))
    return InlineKeyboardMarkup([*_grid(buttons, per_row=2), [back]])


def settings(locale: str, *, paused: bool) -> InlineKeyboardMarkup:
    """Practices and Timezone, then Pause or Resume, and the weekly summary."""
    if paused:
        pause = _button("btn_settings_resume", locale, callbacks.resume())
    else:
        pause = _button("btn_settings_pause", locale, callbacks.pause_ask())
    return InlineKeyboardMarkup(
        [
            [
                _button("btn_settings_practices", locale, callbacks.ritual_list()),
                _button("btn_settings_zone", locale, callbacks.zone_ask()),
            ],
            [pause, _button("btn_settings_summary", locale, callbacks.summary_page())],
            [
                _button("btn_settings_discretion", locale, callbacks.discretion()),
                _button("btn_settings_country", locale, callbacks.country_ask("")),
            ],
            [_button("btn_settings_language", locale, callbacks.language_page())],
        ]
    )


def languages(locale: str) -> InlineKeyboardMarkup:
    """One button per language Attune speaks, each named in itself, the person's marked;
    then back to /settings."""
    buttons = [
        InlineKeyboardButton(
            render("btn_language_chosen", locale, language=language_name(tag))
            if tag == locale
            else language_name(tag),
            callback_data=callbacks.language(tag),
        )
        for tag in locales()
    ]
    back = _button("btn_back_to_settings", locale, callbacks.settings())
    return InlineKeyboardMarkup([*_grid(buttons, per_row=3), [back]])


def rating(
    locale: str, prompt_id: int, labels: Mapping[int, str], chosen: int | None = None
) -> InlineKeyboardMarkup:
    """The 1-5 buttons of a prompt, one per row so each label reads in full."""
    buttons = []
    for value in range(1, 6):
        key = "btn_rating_chosen" if value == chosen else "btn_rating"
        text = render(key, locale, rating=value, label=labels[value])
        buttons.append(InlineKeyboardButton(text, callback_data=callbacks.rate(prompt_id, value)))
    return _rows(buttons, per_row=1)


def answered(
    locale: str,
    prompt_id: int,
    labels: Mapping[int, str],
    chosen: int,
    offer: InlineKeyboardMarkup | None,
) -> InlineKeyboardMarkup:
    """An answered prompt: its 1-5, the chosen one marked (another tap changes it), and
    below them what the thank-you offers (a name for the step, No thanks), if anything."""
    rows = list(rating(locale, prompt_id, labels, chosen=chosen).inline_keyboard)
    if offer is not None:
        rows += offer.inline_keyboard
    return InlineKeyboardMarkup(rows)


def prompt(
    locale: str, prompt_id: int, labels: Mapping[int, str], *, can_snooze: bool
) -> InlineKeyboardMarkup | None:
    """A fresh prompt: 1-5, then Later (once) and Skip this one; None with nothing to rate.

    A message with no labels (a weekly summary) goes out as plain text, without buttons.
    """
    if not labels:
        return None
    rows = list(rating(locale, prompt_id, labels).inline_keyboard)
    actions = [
        InlineKeyboardButton(render("btn_skip", locale), callback_data=callbacks.skip(prompt_id))
    ]
    if can_snooze:
        later = render("btn_later", locale)
        actions.insert(0, InlineKeyboardButton(later, callback_data=callbacks.later(prompt_id)))
    return InlineKeyboardMarkup([*rows, actions])


def snooze_choices(
    locale: str, prompt_id: int, options: Mapping[str, str]
) -> InlineKeyboardMarkup:
    """The "Later" choices (option key -> local time shown), and a way back."""
    buttons = [
        InlineKeyboardButton(
            render(f"btn_snooze_{key}", locale, time=local_time),
            callback_data=callbacks.snooze(prompt_id, key),
        )
        for key, local_time in options.items()
    ]
    back = render("btn_snooze_back", locale)
    buttons.append(InlineKeyboardButton(back, callback_data=callbacks.unsnooze(prompt_id)))
    return _rows(buttons, per_row=1)


def no_thanks(locale: str, check_in_id: int) -> InlineKeyboardMarkup:
    """Under the thank-you: decline adding a few words."""
    return InlineKeyboardMarkup([[_no_thanks(locale, check_in_id)]])


def _no_thanks(locale: str, check_in_id: int) -> InlineKeyboardButton:
    return _button("btn_no_thanks", locale, callbacks.no_note(check_in_id))


def wins(locale: str, check_in_id: int) -> InlineKeyboardMarkup:
    """Under the thank-you of a practice about steps: name the kind of step, or No thanks
    (to a name and a note alike)."""
    named = (
        InlineKeyboardButton(
            render(f"win_label_{kind}", locale), callback_data=callbacks.win(check_in_id, kind)
        )
        for kind in WIN_KINDS
    )
    return InlineKeyboardMarkup([*_grid(named, per_row=2), [_no_thanks(locale, check_in_id)]])


def win_named(locale: str, check_in_id: int, kind: str, *, invited: bool) -> InlineKeyboardMarkup:
    """After a step is named: it, marked (a second tap changes nothing), and No thanks
    while a few words are still invited."""
    label = render("btn_win_chosen", locale, label=render(f"win_label_{kind}", locale))
    rows = [[InlineKeyboardButton(label, callback_data=callbacks.win(check_in_id, kind))]]
    if invited:
        rows.append([_no_thanks(locale, check_in_id)])
    return InlineKeyboardMarkup(rows)


def journal_rituals(locale: str, keys: list[str]) -> InlineKeyboardMarkup | None:
    """Optionally file a journal note under one of the person's practices (None if none)."""
    if not keys:
        return None  # Telegram refuses an inline keyboard with no buttons
    return _rows(
        (
            InlineKeyboardButton(
                ritual_text(key, locale).name, callback_data=callbacks.journal_ritual(key)
            )
            for key in keys
        ),
        per_row=1,
    )


def delete_confirm(locale: str) -> InlineKeyboardMarkup:
    """Erase everything, or keep it."""
    return _choice(
        locale, ("btn_erase_yes", callbacks.erase("yes")), ("btn_erase_no", callbacks.erase("no"))
    )


def summary_offer(locale: str) -> InlineKeyboardMarkup:
    """The onboarding offer of a weekly summary: yes or no."""
    return _rows(
        [
            _button("btn_summary_yes", locale, callbacks.summary_offer("yes")),
            _button("btn_summary_no", locale, callbacks.summary_offer("no")),
        ],
        per_row=1,
    )


def summary_page(locale: str, *, is_on: bool) -> InlineKeyboardMarkup:
    """The weekly summary's page: on or off, its day and time, and back to /settings."""
    if is_on:
        rows = [
            [
                _button("btn_summary_day", locale, callbacks.summary_days()),
                _button("btn_summary_time", locale, callbacks.summary_time()),
            ],
            [_button("btn_summary_off", locale, callbacks.summary_set("off"))],
        ]
    else:
        rows = [[_button("btn_summary_on", locale, callbacks.summary_set("on"))]]
    rows.append([_button("btn_back_to_settings", locale, callbacks.settings())])
    return InlineKeyboardMarkup(rows)


def summary_days(locale: str, chosen: int) -> InlineKeyboardMarkup:
    """The seven days for the weekly summary, the chosen one marked, then Done."""
    day_buttons = [
        InlineKeyboardButton(
            render(
                "btn_day_chosen" if day == chosen else "btn_day",
                locale,
                day=weekday(day, locale, short=True),
            ),
            callback_data=callbacks.summary_day(day),
        )
        for day in range(7)
    ]
    done = _button("btn_days_done", locale, callbacks.summary_page())
    return InlineKeyboardMarkup([*_grid(day_buttons, per_row=4), [done]])


def history_pages(
    locale: str, page: int, *, newer: int | None, older: int | None
) -> InlineKeyboardMarkup | None:
    """Newer and Older under /history page ``page``: each names the check-in at that edge of
    the page (None where there is no such page); None if neither."""
    buttons = []
    if newer is not None:
        buttons.append(_button("btn_history_newer", locale, callbacks.history("n", newer, page)))
    if older is not None:
        buttons.append(_button("btn_history_older", locale, callbacks.history("o", older, page)))
    return _rows(buttons, per_row=2) if buttons else None


def care(locale: str) -> InlineKeyboardMarkup:
    """A grounding exercise now, or not now."""
    return _choice(
        locale, ("btn_care_yes", callbacks.care("yes")), ("btn_care_no", callbacks.care("no"))
    )


def crisis(
    locale: str, *, can_pause: bool, offer_private: bool, ask_country: str | None
) -> InlineKeyboardMarkup | None:
    """Under a crisis reply: pause for today or keep prompts (for someone with prompts),
    ways to keep the chat private (after a disclosure of harm), and the country question
    when the person's country is unknown (`ask_country` carries the kinds of danger)."""
    options = []
    if can_pause:
        options += [
            ("btn_crisis_pause", callbacks.crisis("pause")),
            ("btn_crisis_keep", callbacks.crisis("keep")),
        ]
    if offer_private:
        options.append(("btn_crisis_private", callbacks.crisis_private()))
    if ask_country is not None:
        options.append(("btn_crisis_country", callbacks.country_ask(ask_country)))
    return _choice(locale, *options) if options else None


def countries(locale: str, codes: Iterable[str], dangers: str) -> InlineKeyboardMarkup:
    """One button per country with help lines, then "Somewhere else"."""
    buttons = [
        InlineKeyboardButton(
            country_name(code, locale), callback_data=callbacks.country(code, dangers)
        )
        for code in sorted(codes, key=lambda code: country_name(code, locale))
    ]
    rows = _grid(buttons, per_row=2)
    rows.append([_button("btn_country_elsewhere", locale, callbacks.country("none", dangers))])
    return InlineKeyboardMarkup(rows)


def back_to_settings(locale: str) -> InlineKeyboardMarkup:
    """A way back to the /settings overview."""
    return _choice(locale, ("btn_back_to_settings", callbacks.settings()))


def privacy_settings(locale: str) -> InlineKeyboardMarkup:
    """A way from the shared-phone tips to the privacy settings."""
    return _choice(locale, ("btn_privacy_settings", callbacks.discretion()))


def help_now(locale: str) -> InlineKeyboardMarkup:
    """Always under /help: the way to human help."""
    label = render("btn_help_now", locale)
    return _rows([InlineKeyboardButton(label, callback_data=callbacks.help_now())], 1)


def free_text(locale: str) -> InlineKeyboardMarkup:
    """Under the reply to text that answers nothing: keep it as a note, or find help."""
    return _choice(
        locale,
        ("btn_write_note", callbacks.journal()),
        ("btn_help_now", callbacks.help_now()),
    )


def discretion(
    locale: str, *, discreet: bool, quiet: bool, keep: int | None
) -> InlineKeyboardMarkup:
    """Toggle discreet prompts and quiet notifications; choose how long notes are kept."""
    discreet_key = "btn_discreet_off" if discreet else "btn_discreet_on"
    quiet_key = "btn_quiet_off" if quiet else "btn_quiet_on"
    keeps = [
        _button(f"btn_keep_{days}", locale, callbacks.keep(days))
        for days in ("0", "90", "30")
        if (None if days == "0" else int(days)) != keep
    ]
    return InlineKeyboardMarkup(
        [
            [_button(discreet_key, locale, callbacks.discreet("off" if discreet else "on"))],
            [_button(quiet_key, locale, callbacks.quiet("off" if quiet else "on"))],
            keeps,
            [_button("btn_back_to_settings", locale, callbacks.settings())],
        ]
    )


def pacing_offer(locale: str, key: str, *, several_days: bool) -> InlineKeyboardMarkup:
    """Under the question about a ritual's pace: fewer days (or another day, for a ritual
    on one day), another time, a pause, or keep it as it is. All but the last open the
    ritual's own choices, which change nothing until a day, time or length is chosen."""
    days = "btn_pacing_fewer_days" if several_days else "btn_pacing_other_day"
    return _choice(
        locale,
        (days, callbacks.ritual_days(key)),
        ("btn_pacing_other_time", callbacks.ritual_ask_time(key)),
        ("btn_pacing_pause", callbacks.ritual_pause_ask(key)),
        ("btn_pacing_keep", callbacks.pacing_keep(key)),
    )


def open_prompt(locale: str, prompt_id: int) -> InlineKeyboardMarkup:
    """Under a discreet message (a prompt, a summary, a question about pace): the one
    button that shows its words."""
    label = render("btn_open", locale)
    return _rows([InlineKeyboardButton(label, callback_data=callbacks.open_prompt(prompt_id))], 1)


def open_shared(locale: str, turn_id: int) -> InlineKeyboardMarkup:
    """Under a discreet message about a shared check-in: the one button that shows it."""
    return _choice(locale, ("btn_open", callbacks.partner_open(turn_id)))


def partner_invite(locale: str) -> InlineKeyboardMarkup:
    """/partner with no partner yet: invite one."""
    return _choice(locale, ("btn_partner_invite", callbacks.partner_invite()))


def partner_page(
    locale: str, link_id: int, name: str, *, state: str, days: int = 0
) -> InlineKeyboardMarkup:
    """/partner, for one partner: what can be chosen about sharing the weekly check-in as
    it stands (`state`: "none", "agreed", "proposed" by the presser, or "asked" of them),
    then unlinking (the same end of a link as /share's)."""
    rows: list[list[InlineKeyboardButton]] = []
    if state == "none":
        rows.append(
            [
                InlineKeyboardButton(
                    render("btn_partner_days", locale, count=choice),
                    callback_data=callbacks.partner_propose(link_id, choice),
                )
                for choice in DEADLINE_CHOICES
            ]
        )
    elif state == "asked":
        rows.append([_button("btn_partner_agree", locale, callbacks.partner_agree(link_id, days))])
        rows.append([_button("btn_partner_not_now", locale, callbacks.partner_stop(link_id))])
    else:
        key = "btn_partner_stop" if state == "agreed" else "btn_partner_withdraw"
        rows.append([_button(key, locale, callbacks.partner_stop(link_id))])
    unlink = render("btn_partner_unlink", locale, name=name)
    rows.append([InlineKeyboardButton(unlink, callback_data=callbacks.share_end(link_id))])
    return InlineKeyboardMarkup(rows)


def partner_note(locale: str, turns: Iterable[tuple[int, str]]) -> InlineKeyboardMarkup:
    """After words written with a shared answer: show them to each partner, or keep them.
    Kept is what stands until the writer chooses otherwise."""
    buttons = []
    for turn_id, name in turns:
        buttons.append(
            InlineKeyboardButton(
                render("btn_partner_note_share", locale, name=name),
                callback_data=callbacks.partner_note(turn_id, "yes"),
            )
        )
        buttons.append(
            InlineKeyboardButton(
                render("btn_partner_note_keep", locale),
                callback_data=callbacks.partner_note(turn_id, "no"),
            )
        )
    return _rows(buttons, per_row=2)


def share_overview(
    locale: str,
    *,
    sharing: Iterable[tuple[int, str]],
    receiving: Iterable[tuple[int, str]],
    invitations: Iterable[tuple[int, str]],
) -> InlineKeyboardMarkup:
    """/share: per confidant, what they get without asking and an end; per person sharing
    with the presser, stop receiving; per open invitation, withdraw; then invite someone."""
    rows: list[list[InlineKeyboardButton]] = []
    for link_id, name in sharing:
        rows.append(
            [
                _named("btn_share_auto", locale, callbacks.share_auto(link_id), name),
                _named("btn_share_end", locale, callbacks.share_end(link_id), name),
            ]
        )
    for link_id, name in receiving:
        rows.append([_named("btn_share_stop", locale, callbacks.share_end(link_id), name)])
    for invitation_id, until in invitations:
        data = callbacks.share_revoke(invitation_id)
        rows.append([InlineKeyboardButton(render("btn_share_revoke", locale, until=until),
                                          callback_data=data)])  # fmt: skip
    rows.append([_button("btn_share_invite", locale, callbacks.share_new())])
    return InlineKeyboardMarkup(rows)


def _named(label_key: str, locale: str, data: str, name: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(render(label_key, locale, name=name), callback_data=data)


def share_kinds(locale: str, link_id: int, chosen: frozenset[str]) -> InlineKeyboardMarkup:
    """The kinds of milestone shared on a link without asking: each toggles."""
    rows = [
        [
            InlineKeyboardButton(
                render(
                    "btn_share_kind_on" if kind in chosen else "btn_share_kind_off",
                    locale,
                    kind=render(f"share_kind_{kind}", locale),
                ),
                callback_data=callbacks.share_kind(link_id, kind),
            )
        ]
        for kind in SHARE_KINDS
    ]
    return InlineKeyboardMarkup(rows)


def share_name(first_name: str) -> ReplyKeyboardMarkup:
    """The person's Telegram first name, one tap away (they may type another)."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(first_name)]], resize_keyboard=True, one_time_keyboard=True
    )


def invite_answer(locale: str) -> InlineKeyboardMarkup:
    """Accept an invitation, or not."""
    return _choice(
        locale,
        ("btn_invite_accept", callbacks.invite("yes")),
        ("btn_invite_decline", callbacks.invite("no")),
    )


def share_offer(
    locale: str, milestone_id: int, confidants: Iterable[tuple[int, str]]
) -> InlineKeyboardMarkup:
    """Share a milestone just reached: one button per confidant, and keep it."""
    rows = [
        [_named("btn_share_with", locale, callbacks.share_milestone(milestone_id, link_id), name)]
        for link_id, name in confidants
    ]
    rows.append([_button("btn_share_keep", locale, callbacks.share_keep())])
    return InlineKeyboardMarkup(rows)


def stop_receiving(locale: str, link_id: int) -> InlineKeyboardMarkup:
    """Under every shared milestone: the confidant can stop receiving."""
    return _choice(locale, ("btn_share_stop_receiving", callbacks.share_end(link_id)))
