"""The composition root: builds the Telegram application and its services from Settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

import messages
from bot import callbacks
from bot.data_key import key_file, keyring
from bot.flood import FloodGuard
from bot.handlers import (
    confiding,
    crisis,
    discretion,
    general,
    importing,
    language,
    looking_back,
    notes,
    onboarding,
    pacing,
    partner,
    pause,
    privacy,
    prompts,
    ritual_schedule,
    rituals,
    safety,
    settings_menu,
    sharing,
    summary,
    wins,
)
from bot.http import AiohttpRequest
from bot.intake import UpdateIntake
from bot.metrics import Metrics
from bot.paid_broadcast import PaidBudget
from bot.rate_limit import ChatRateLimiter
from bot.sender import TelegramSender
from bot.services import CONTEXT_TYPES, AttuneContext, BotData, Services, utc_now
from bot.settings import Settings
from messages.resources import load_resources
from messages.safety import load as load_danger_reading
from scheduler.dispatch import Dispatcher, longest_claim_wait
from scheduler.housekeeping import Housekeeping
from scheduler.reveals import Reveals
from scheduler.runner import DispatchJob, build_scheduler
from scheduler.scrubbing import RETRY_SECONDS, Scrubber
from store.crypto import DataKey
from store.db import create_engine, session_factory
from store.person_keys import prepare
from store.private_files import make_private, sqlite_files

log = logging.getLogger(__name__)

AttuneApp = Application[Any, AttuneContext, dict[Any, Any], dict[Any, Any], BotData, Any]

# The commands shown in Telegram's menu, in this order.
MENU = (
    "rituals",
    "journal",
    "progress",
    "history",
    "share",
    "partner",
    "settings",
    "pause",
    "resume",
    "timezone",
    "language",
    "help",
    "privacy",
    "export",
    "import",
    "delete",
    "start",
)


def build_application(
    settings: Settings, *, data_key: DataKey, clock: Callable[[], datetime] = utc_now
) -> AttuneApp:
    """Everything wired, nothing opened: bot.runtime opens, serves and closes it."""
    metrics = Metrics()
    budget = (
        PaidBudget(daily_stars=settings.paid_broadcast_daily_stars, clock=clock, events=metrics)
        if settings.paid_broadcast == "on"
        else None
    )
    builder = (
        ApplicationBuilder()
        .token(settings.token())
        # bot.runtime takes the updates: it confirms them only once they are handled.
        .updater(None)
        .context_types(CONTEXT_TYPES)
        # Every message can carry something personal: none can be forwarded or saved.
        .defaults(Defaults(protect_content=True))
        # aiohttp instead of PTB's httpx: a fifth of the client CPU per message (make
        # bench). The long poll gets a connection of its own, as PTB's default does.
        .request(AiohttpRequest(on_error=metrics.api_error))
        .get_updates_request(AiohttpRequest(connection_pool_size=1, on_error=metrics.api_error))
        .rate_limiter(
            ChatRateLimiter(
                overall_rate=settings.rate_limit,
                chat_rate=settings.chat_rate_limit,
                max_retries=3,
                budget=budget,
                paid_rate=settings.paid_broadcast_rate,
            )
        )
    )
    if settings.telegram_api_base_url:
        root = settings.telegram_api_base_url
        builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
    app = builder.build()
    app.bot_data.services = Services(
        settings=settings,
        data_key=data_key,
        clock=clock,
        # On the application's clock, so a test that moves time moves the window too.
        flood=FloodGuard(clock=lambda: clock().timestamp()),
        metrics=metrics,
        paid_budget=budget,
    )
    _register(app)
    return app


def update_intake(app: AttuneApp) -> UpdateIntake:
    """How bot.runtime hands updates to the application: a flood dropped as it arrives (but
    never words of danger for it), then each chat's updates in order."""
    return UpdateIntake(
        app.process_update,
        flood=app.bot_data.services.flood,
        urgent=crisis.has_danger,
        slow_down=general.slow_down,
    )


def _register(app: AttuneApp) -> None:
    """Every handler, in one place. Groups run in order; the first match in a group wins."""
    # Group -1 runs before the handlers for every update: outside private chats it answers,
    # leaves the chat and stops handling, so nothing from a group is ever stored.
    app.add_handler(TypeHandler(Update, general.private_only), group=-1)
    # Group -2 runs first of all: words of danger are answered in the same turn, from anyone,
    # whatever else was asked; it stops there. (A flood was dropped before any of this, as
    # it arrived: bot.intake, which keeps room for words of danger.)
    app.add_handler(TypeHandler(Update, crisis.watch), group=-2)

    commands = {
        "start": onboarding.start,
        "timezone": onboarding.timezone_command,
        "language": language.language_command,
        "rituals": rituals.rituals_command,
        "settings": settings_menu.settings_command,
        "pause": pause.pause_command,
        "resume": pause.resume_command,
        "journal": notes.journal_command,
        "progress": looking_back.progress_command,
        "history": looking_back.history_command,
        "help": general.help_command,
        "privacy": privacy.privacy_command,
        "export": privacy.export_command,
        "import": importing.import_command,
        "delete": privacy.delete_command,
        "partner": partner.partner_command,
        "share": sharing.share_command,
    }
    # An edited message is read for danger (group -3) and otherwise left as it was: an edit
    # of an answer or a note must not act a second time.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, general.edited))
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback))
    buttons = (
        (callbacks.ADULT, onboarding.adult_answer),
        (callbacks.CONSENT, onboarding.consent_answer),
        (callbacks.ZONE, onboarding.zone_button),
        (callbacks.RITUAL_VIEW, rituals.view_button),
        (callbacks.RITUAL_ON, rituals.on_button),
        (callbacks.RITUAL_OFF, rituals.off_button),
        (callbacks.RITUAL_ASK_TIME, rituals.ask_time_button),
        (callbacks.RITUAL_LIST, rituals.list_button),
        (callbacks.RITUAL_DAYS, ritual_schedule.days_button),
        (callbacks.RITUAL_DAY, ritual_schedule.day_button),
        (callbacks.RITUAL_PRESET, ritual_schedule.preset_button),
        (callbacks.RITUAL_PAUSE_ASK, ritual_schedule.pause_menu_button),
        (callbacks.RITUAL_PAUSE, ritual_schedule.pause_button),
        (callbacks.RITUAL_RESUME, ritual_schedule.resume_button),
        (callbacks.PAUSE_ASK, pause.pause_menu_button),
        (callbacks.PAUSE, pause.pause_button),
        (callbacks.RESUME, pause.resume_button),
        (callbacks.ZONE_ASK, settings_menu.zone_button),
        (callbacks.RATE, prompts.rate),
        (callbacks.LATER, prompts.later),
        (callbacks.SNOOZE, prompts.snooze),
        (callbacks.UNSNOOZE, prompts.back_to_prompt),
        (callbacks.SKIP, prompts.skip),
        (callbacks.NO_NOTE, notes.no_thanks),
        (callbacks.WIN, wins.win_button),
        (callbacks.DELETE, privacy.delete_answer),
        (callbacks.DISCRETION, discretion.page_button),
        (callbacks.DISCREET, discretion.discreet_button),
        (callbacks.QUIET, discretion.quiet_button),
        (callbacks.KEEP, discretion.keep_button),
        (callbacks.OPEN, prompts.open_prompt),
        (callbacks.CARE, safety.grounding_answer),
        (callbacks.CRISIS, safety.crisis_answer),
        (callbacks.CRISIS_PRIVATE, crisis.private_button),
        (callbacks.COUNTRY_ASK, crisis.country_ask_button),
        (callbacks.COUNTRY, crisis.country_button),
        (callbacks.HELP_NOW, crisis.help_now_button),
        (callbacks.JOURNAL, notes.journal_button),
        (callbacks.JOURNAL_RITUAL, notes.journal_ritual_button),
        (callbacks.SUMMARY_OFFER, summary.offer_answer),
        (callbacks.SUMMARY_PAGE, summary.page_button),
        (callbacks.SUMMARY_SET, summary.set_button),
        (callbacks.SUMMARY_DAYS, summary.days_button),
        (callbacks.SUMMARY_DAY, summary.day_button),
        (callbacks.SUMMARY_TIME, summary.ask_time_button),
        (callbacks.SETTINGS, settings_menu.back_button),
        (callbacks.PACING_KEEP, pacing.keep_button),
        (callbacks.HISTORY, looking_back.page_button),
        (callbacks.LANGUAGE_PAGE, language.page_button),
        (callbacks.LANGUAGE, language.language_button),
        (callbacks.PARTNER_PROPOSE, partner.propose_button),
        (callbacks.PARTNER_AGREE, partner.agree_button),
        (callbacks.PARTNER_STOP, partner.stop_button),
        (callbacks.PARTNER_NOTE, partner.note_button),
        (callbacks.PARTNER_OPEN, partner.open_button),
        (callbacks.PARTNER_INVITE, partner.invite_button),
        (callbacks.SHARE_NEW, sharing.new_button),
        (callbacks.SHARE_END, sharing.end_button),
        (callbacks.SHARE_REVOKE, sharing.revoke_button),
        (callbacks.SHARE_AUTO, sharing.auto_button),
        (callbacks.SHARE_KIND, sharing.kind_button),
        (callbacks.INVITE, sharing.invite_answer),
        (callbacks.SHARE_MILESTONE, confiding.share_button),
        (callbacks.SHARE_KEEP, confiding.keep_button),
    )
    for pattern, callback in buttons:
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    # Catch-alls come last: anything the handlers above did not claim.
    app.add_handler(CallbackQueryHandler(general.stale_button))
    app.add_handler(MessageHandler(filters.LOCATION, onboarding.location))
    # A file: only ever an /export file to bring back (its caption may be /import).
    app.add_handler(MessageHandler(filters.Document.ALL, importing.document))
    app.add_handler(MessageHandler(filters.COMMAND, general.unknown_command))
    app.add_handler(MessageHandler(filters.TEXT, general.text))
    app.add_handler(MessageHandler(filters.ALL, general.not_text))
    app.add_error_handler(general.on_error)


async def open_services(app: AttuneApp) -> None:
    """Open the keyring and the database (migrated, and tied to each other), register the
    menu, start dispatching."""
    services = app.bot_data.services
    settings = services.settings
    # Load and validate every text now, so a broken edit stops the start, not a reply.
    messages.rituals()
    messages.locales()
    load_resources(settings.crisis_resources)  # ResourcesError: one line, for StartFailed
    load_danger_reading()  # the crisis grammar and model, before anyone writes
    _keep_files_private(settings)
    services.engine = create_engine(settings.database_url)
    services.keyring = keyring(settings, services.data_key)
    await prepare(services.engine, services.keyring)
    services.sessions = session_factory(services.engine, services.keyring)
    await _set_menus(app)
    if services.paid_budget is not None:
        services.paid_budget.open(services.sessions)
        log.info(
            "paid broadcast on: up to %g Stars per UTC day (%d prompts), %g a second",
            settings.paid_broadcast_daily_stars,
            services.paid_budget.limit,
            settings.paid_broadcast_rate,
        )
    sender = TelegramSender(app.bot, paid_broadcast=services.paid_budget is not None)
    lease = timedelta(seconds=settings.claim_lease_seconds)
    dispatcher = Dispatcher(
        services.sessions,
        sender,
        grace=timedelta(minutes=settings.grace_minutes),
        lease=lease,
        events=services.metrics,
        reveals=Reveals(services.sessions, sender, lease=lease),
    )
    wait = longest_claim_wait(settings.rate_limit)
    if settings.claim_lease_seconds < 2 * wait:
        log.warning(
            "ATTUNE_CLAIM_LEASE_SECONDS=%g is short: a claim may wait %.0f s at"
            " ATTUNE_RATE_LIMIT=%g; with several replicas a prompt could be sent twice"
            " (keep it above %.0f s)",
            settings.claim_lease_seconds,
            wait,
            settings.rate_limit,
            2 * wait,
        )
    services.dispatch = DispatchJob(dispatcher, services.clock)
    services.scrubber = Scrubber(services.engine)
    services.housekeeping = Housekeeping(
        services.sessions, services.clock, erased=services.scrubber.erased
    )
    services.scheduler = build_scheduler(
        services.dispatch.run,
        tick_seconds=settings.tick_seconds,
        housekeeping=services.housekeeping.run,
        scrub=services.scrubber.run,
        scrub_seconds=RETRY_SECONDS,
    )
    services.scheduler.start()


async def _set_menus(app: AttuneApp) -> None:
    """The command menu in each language Attune speaks: English for everyone, and the
    others for people whose Telegram is set to that language (Telegram picks the menu by
    the app's language, which /language does not change)."""
    for locale in messages.locales():
        commands = [BotCommand(name, messages.render(f"command_{name}", locale)) for name in MENU]
        if locale == messages.DEFAULT_LOCALE:
            await app.bot.set_my_commands(commands)
        elif len(locale) == 2:  # Telegram takes ISO 639-1 codes only, so no "pt-br" menu
            await app.bot.set_my_commands(commands, language_code=locale)


def _keep_files_private(settings: Settings) -> None:
    """Close what an older version (or a loose umask) left readable to others; say so once."""
    key = key_file(settings)
    files = [*sqlite_files(settings.database_url), *sqlite_files(settings.keyring())]
    changed, left_open = make_private([*files, *filter(None, [key])])
    if changed:
        names = ", ".join(str(path) for path in changed)
        log.warning("made private (files 0600, folders 0700): %s", names)
    for path in left_open:
        log.warning(
            "%s is open to other users and not Attune's to close (shared, or someone"
            " else's): give Attune's files a folder of their own",
            path,
        )


async def stop_services(app: AttuneApp, *, within: float) -> None:
    """No new ticks; let a tick in flight finish its sends and writes (up to `within` s)."""
    services = app.bot_data.services
    if services.dispatch is not None:
        await services.dispatch.close(within=within)
    if services.housekeeping is not None:
        await services.housekeeping.close()
    if services.scrubber is not None:
        await services.scrubber.close()
    if services.scheduler is not None and services.scheduler.running:
        services.scheduler.shutdown(wait=False)
    if services.paid_budget is not None:
        await services.paid_budget.close()  # what it set aside and did not send goes back


async def close_services(app: AttuneApp) -> None:
    """Close the database and the keyring (forgetting every unwrapped key)."""
    services = app.bot_data.services
    if services.engine is not None:
        await services.engine.dispose()
    if services.keyring is not None:
        await services.keyring.dispose()
