"""`attune check-config`: settings, help lines, bot token, data key, database, keyring and
Bot API, one line each.

It changes nothing: it neither creates nor migrates the database or the keyring, and asks
the Bot API only getMe (and getWebhookInfo in webhook mode, getMyStarBalance with paid
broadcast on). No line carries a secret. A warning fails nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, WebhookInfo
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.api_probe import api_root, operator_bot, star_balance
from bot.data_key import keyring, load_data_key
from bot.http import RedirectRefused
from bot.one_line import kind, reason
from bot.settings import Settings
from messages.resources import ResourcesError, load_resources
from store.crypto import DataKey
from store.database_url import missing_sqlite_file
from store.db import create_engine, session_factory
from store.key_check import KeyReport, check_keys, keyed_people
from store.keyring import Keyring
from store.stats import head_revision, known_revisions, schema_revision

# Each network check gets this long, so a black hole can't hang it.
CHECK_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Check:
    """One line of check-config: what was checked, how it went, and what to do."""

    subject: str
    status: Literal["ok", "PROBLEM", "warning", "skipped"]
    detail: str


def check_config(settings: Settings) -> int:
    """Run every check, print a line each and a verdict; exit status 0 when all is well."""
    checks = asyncio.run(_checks(settings))
    secrets = _secrets(settings)
    for check in checks:
        line = f"  {check.status:<8} {check.subject:<12} {check.detail}"
        for secret in secrets:
            line = line.replace(secret, "***")
        print(line)
    problems = sum(check.status == "PROBLEM" for check in checks)
    if problems:
        noun = "problem" if problems == 1 else "problems"
        print(f"attune: {problems} {noun}; fix, then run `attune check-config` again")
        return 1
    print("attune: all checks passed; ready to run")
    return 0


async def _checks(settings: Settings) -> list[Check]:
    where = f"HTTP on {settings.http_host}:{settings.http_port}"
    checks = [Check("settings", "ok", f"{settings.mode} mode, {where}, {settings.env}")]
    checks.append(_help_lines_check(settings))
    try:
        token: str | None = settings.token()
        checks.append(Check("bot token", "ok", "has the form of a bot token"))
    except ValueError as error:
        token = None
        checks.append(Check("bot token", "PROBLEM", str(error)))
    try:
        data_key: DataKey | None = load_data_key(settings)
        found = "present and well-formed" if settings.data_key else "a development key file"
        checks.append(Check("data key", "ok", found))
    except ValueError as error:
        data_key = None
        checks.append(Check("data key", "PROBLEM", str(error)))
    checks += await _database_checks(settings, data_key)
    checks += await _bot_api_checks(settings, token)
    return checks


def _help_lines_check(settings: Settings) -> Check:
    """The help lines shown to a person in danger: the whole file must load."""
    try:
        resources = load_resources(settings.crisis_resources)
    except ResourcesError as error:
        return Check(
            "help lines",
            "PROBLEM",
            f"{error}; fix the file, or point ATTUNE_CRISIS_RESOURCES at a good one",
        )
    countries = len(resources.countries)
    return Check("help lines", "ok", f"{resources.path}: default and {countries} countries")


async def _database_checks(settings: Settings, data_key: DataKey | None) -> list[Check]:
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    missing = missing_sqlite_file(settings.database_url)
    if missing is not None and not missing.parent.is_dir():
        fix = f"the folder {missing.parent} does not exist; create it or fix DATABASE_URL"
        return [Check("database", "PROBLEM", fix)]
    if missing is not None:  # connecting would create it: report instead
        fix = "run `attune migrate` to create it"
        return [Check("database", "PROBLEM", f"{missing} does not exist yet: {fix}")]
    engine = create_engine(settings.database_url)
    ring = None if data_key is None else keyring(settings, data_key)  # connects on use only
    try:
        async with asyncio.timeout(CHECK_TIMEOUT), session_factory(engine, ring)() as session:
            await session.execute(text("SELECT 1"))
            current = await schema_revision(session)
            head = head_revision()
            keys = None
            if ring is not None and data_key is not None and current == head:
                keys = await _keyring_check(settings, session, ring, data_key)
    except (OSError, SQLAlchemyError, TimeoutError) as error:
        fix = "check DATABASE_URL and that the database server is running and reachable"
        return [Check("database", "PROBLEM", f"cannot reach {shown} ({reason(error)}); {fix}")]
    finally:
        await engine.dispose()
        if ring is not None:
            await ring.dispose()
    checks = [_schema_check(shown, current, head)]
    if data_key is not None and current != head and current in known_revisions():
        # Until `attune run` migrates, the data is not yet sealed the way this version reads.
        checks.append(Check("keyring", "skipped", "checked once the schema is up to date"))
    if keys is not None:
        checks.append(keys)
    return checks


async def _keyring_check(
    settings: Settings, session: AsyncSession, ring: Keyring, data_key: DataKey
) -> Check:
    """The keyring: there, serving this data, every person's key in it and unwrapped by
    ATTUNE_DATA_KEY, and a sample of sealed values opening."""
    shown = make_url(settings.keyring()).render_as_string(hide_password=True)
    missing = missing_sqlite_file(settings.keyring())
    if missing is not None:  # connecting would create it: say so instead
        keyed = await keyed_people(session)
        if keyed:
            detail = f"{missing} does not exist, and {keyed} people's keys were in it"
            return Check("keyring", "PROBLEM", f"{detail}: {_RESTORE}")
        return Check("keyring", "ok", f"{missing} not made yet: `attune run` makes it")
    try:
        report = await check_keys(session, ring, data_key)
    except (OSError, SQLAlchemyError) as error:
        fix = "check ATTUNE_KEYRING_URL and that its database is reachable"
        return Check("keyring", "PROBLEM", f"cannot read {shown} ({reason(error)}); {fix}")
    return _keys_check(shown, report)


_RESTORE = "restore the keyring's newest backup, or fix ATTUNE_KEYRING_URL"


def _keys_check(shown: str, report: KeyReport) -> Check:
    if not report.tied:
        return Check("keyring", "PROBLEM", f"{shown} is not this data's keyring: {_RESTORE}")
    if report.refused:
        fix = 'put the key they were wrapped with back, after the new one ("NEW,OLD")'
        detail = f"ATTUNE_DATA_KEY unwraps none of {report.refused} people's keys; {fix}"
        return Check("keyring", "PROBLEM", detail)
    if report.missing:
        detail = f"{report.missing} people's keys are missing (never destroyed): {_RESTORE}"
        return Check("keyring", "PROBLEM", detail)
    if report.unopened:
        detail = f"{report.unopened} sealed values of a sample do not open with their key"
        return Check("keyring", "PROBLEM", detail)
    detail = f"{shown}: {report.people} people's keys, all unwrap"
    if report.opened:
        detail += f"; {report.opened} sealed values of a sample open"
    if report.destroyed:
        detail += f"; {report.destroyed} erased people's rows left for housekeeping"
    if report.orphans:
        detail += f"; {report.orphans} keys no one uses (harmless)"
    return Check("keyring", "ok", detail)


def _schema_check(shown: str, current: str | None, head: str) -> Check:
    """A schema behind this version's is fine: `attune run` migrates before it serves."""
    if current == head:
        return Check("database", "ok", f"{shown} answers; schema {head}, up to date")
    if current is None:
        creates = f"`attune run` will create it at {head}"
        return Check("database", "ok", f"{shown} answers; no schema yet, {creates}")
    if current in known_revisions():
        migrates = f"`attune run` will migrate it to {head}"
        return Check("database", "ok", f"{shown} answers; schema {current}, {migrates}")
    # Older code can't read a newer schema, and migrating never goes backwards.
    fix = "run that version of Attune, or restore a backup"
    detail = f"{shown} is at {current}, from a newer Attune than this one ({head}); {fix}"
    return Check("database", "PROBLEM", detail)


async def _bot_api_checks(settings: Settings, token: str | None) -> list[Check]:
    root = api_root(settings)
    if token is None:
        return [Check("Bot API", "skipped", "needs a bot token")]
    bot = operator_bot(settings, token)
    paying = settings.paid_broadcast == "on"
    try:
        async with asyncio.timeout(CHECK_TIMEOUT), bot:  # getMe
            webhook = await bot.get_webhook_info() if settings.mode == "webhook" else None
            balance = await _balance_or_error(bot) if paying else None
    except InvalidToken:
        fix = "copy it again from @BotFather (/mybots, API Token)"
        return [Check("Bot API", "PROBLEM", f"{root} does not accept this token: {fix}")]
    except RedirectRefused:
        fix = "check TELEGRAM_API_BASE_URL, and for a proxy or login page in between"
        return [
            Check("Bot API", "PROBLEM", f"{root} answered with a redirect, not followed; {fix}")
        ]
    except (NetworkError, TimeoutError, OSError) as error:
        # By type only: the error's text can quote the request's URL, with the token in it.
        fix = "check the network, a firewall or proxy, or TELEGRAM_API_BASE_URL"
        return [Check("Bot API", "PROBLEM", f"cannot reach {root} ({kind(error)}); {fix}")]
    except TelegramError as error:
        return [Check("Bot API", "PROBLEM", f"{root} answered getMe with: {reason(error)}")]
    checks = [Check("Bot API", "ok", f"{root} knows this bot as @{bot.username}")]
    if webhook is not None:
        checks.append(_webhook_check(settings, webhook))
    if balance is not None:
        checks.append(_stars_check(settings, balance))
    return checks


async def _balance_or_error(bot: Bot) -> Decimal | TelegramError:
    """The Stars balance, or why it could not be read (which fails nothing)."""
    try:
        return await star_balance(bot)
    except TelegramError as error:
        return error


def _stars_check(settings: Settings, balance: Decimal | TelegramError) -> Check:
    """Paid broadcast is on: is there anything to pay with? A warning at most: without
    Stars, prompts still go out, at the free pace."""
    budget = f"a day's budget is {settings.paid_broadcast_daily_stars:,g} Stars"
    if isinstance(balance, TelegramError):
        said = kind(balance) if isinstance(balance, NetworkError) else reason(balance)
        return Check(
            "Stars",
            "warning",
            f"paid broadcast is on but the balance could not be read ({said}); {budget}",
        )
    if balance < Decimal("0.1"):
        fix = "add Stars to the bot's balance, or set ATTUNE_PAID_BROADCAST=off"
        return Check(
            "Stars",
            "warning",
            f"paid broadcast is on but the bot has {balance:,f} Stars: Telegram will refuse"
            f" to charge, and prompts go at the free pace; {fix}",
        )
    return Check("Stars", "ok", f"paid broadcast is on: {balance:,f} Stars; {budget}")


def _webhook_check(settings: Settings, info: WebhookInfo) -> Check:
    waiting = f"{info.pending_update_count} updates waiting"
    if info.last_error_date is not None:
        ago = datetime.now(UTC) - info.last_error_date
        if ago < timedelta(hours=1):
            fix = f"check that ATTUNE_WEBHOOK_URL reaches ATTUNE_HTTP_PORT ({settings.http_port})"
            said = f"{int(ago.total_seconds() // 60)} min ago: {info.last_error_message}"
            return Check("webhook", "PROBLEM", f"Telegram's last delivery failed {said}; {fix}")
    if not info.url:
        return Check("webhook", "ok", f"none set yet; `attune run` sets it ({waiting})")
    if info.url != settings.webhook_url:
        detail = (
            f"set to another URL; `attune run` replaces it with ATTUNE_WEBHOOK_URL ({waiting})"
        )
        return Check("webhook", "ok", detail)
    return Check("webhook", "ok", f"set to ATTUNE_WEBHOOK_URL ({waiting})")


def _secrets(settings: Settings) -> list[str]:
    """Every secret value the settings hold, so that no output line carries one."""
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    values = [
        token,
        token.partition(":")[2],  # the secret half, also as it appears percent-encoded
        settings.webhook_secret.get_secret_value() if settings.webhook_secret else "",
        make_url(settings.database_url).password or "",
        make_url(settings.keyring()).password or "",
    ]
    if settings.data_key is not None:
        values += settings.data_key.get_secret_value().split(",")
    return sorted({v.strip() for v in values if len(v.strip()) >= 4}, key=len, reverse=True)
