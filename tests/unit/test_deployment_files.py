"""The deployment files, checked as data: Docker cannot run where the tests run.

Each check is a function that returns the problems it finds, so a test proves the real
files have none and another proves the check notices a broken copy.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.settings import Settings
from store.crypto import new_key

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {field.alias: field for field in Settings.model_fields.values() if field.alias}
# Values that pass Settings' checks, for the placeholders the examples leave empty.
FILLED = {
    "TELEGRAM_BOT_TOKEN": "123456789:" + "A" * 35,
    "ATTUNE_DATA_KEY": new_key(),
    "ATTUNE_WEBHOOK_SECRET": "s" * 32,
}
TELEGRAM_SENDS_PER_SECOND = 30
TELEGRAM_PAID_SENDS_PER_SECOND = 1000
Compose = dict[str, Any]


def _compose() -> Compose:
    loaded: Compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _env_file(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The assignments of an env file, and those commented out (`# NAME=value`)."""
    active: dict[str, str] = {}
    commented: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if match := re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line.strip()):
            active[match[1]] = match[2]
        elif match := re.fullmatch(r"#\s*([A-Z][A-Z0-9_]*)=(.*)", line.strip()):
            commented[match[1]] = match[2]
    return active, commented


def _attune_example() -> dict[str, str]:
    return _env_file(ROOT / "deploy/attune.env.example")[0]


def _is_attune(service: dict[str, Any]) -> bool:
    return "build" in service or str(service.get("image", "")).startswith("attune")


def _serves(service: dict[str, Any]) -> bool:
    """An Attune service that runs the bot (not a one-shot command)."""
    return _is_attune(service) and service.get("command", ["run"]) in (["run"], "run")


def _mode(service: dict[str, Any]) -> str:
    return str(service.get("environment", {}).get("ATTUNE_MODE", "polling")).lower()


def _profiles(compose: Compose) -> set[str]:
    return {p for s in compose["services"].values() for p in s.get("profiles", [])}


def _running(compose: Compose, profile: str) -> dict[str, dict[str, Any]]:
    """The services `docker compose --profile <profile> up` starts."""
    return {
        name: s
        for name, s in compose["services"].items()
        if not s.get("profiles") or profile in s["profiles"]
    }


# --- the checks ---------------------------------------------------------------------------


def image_problems(compose: Compose) -> list[str]:
    """Pulled images carry a precise version; built ones are not called `latest`."""
    version = re.compile(r"^[\w./-]+:\d+\.\d+(\.\d+)?(-[\w.]+)?(@sha256:[0-9a-f]{64})?$")
    problems = []
    for name, service in compose["services"].items():
        image = str(service.get("image", ""))
        if "build" in service:
            if image.endswith(":latest"):
                problems.append(f"{name}: built image tagged latest")
        elif not version.match(image):
            problems.append(f"{name}: image {image!r} is not pinned to a version")
    return problems


def health_problems(compose: Compose) -> list[str]:
    """Long-running services have a health check; the rest are one-shots others wait for."""
    awaited = {
        dep
        for s in compose["services"].values()
        for dep, cond in (s.get("depends_on") or {}).items()
        if cond.get("condition") == "service_completed_successfully"
    }
    problems = []
    for name, service in compose["services"].items():
        check = service.get("healthcheck") or {}
        if check.get("disable") or not check.get("test"):
            if service.get("restart") != "no" or name not in awaited:
                problems.append(f"{name}: no health check and not a one-shot")
        elif service.get("restart") != "unless-stopped":
            problems.append(f"{name}: a long-running service should restart unless-stopped")
    return problems


def profile_problems(compose: Compose) -> list[str]:
    """No profile runs a long-polling process next to another poller or a webhook."""
    problems = [
        f"{name}: an Attune process without a profile would join every profile"
        for name, s in compose["services"].items()
        if _serves(s) and not s.get("profiles")
    ]
    for profile in sorted(_profiles(compose)):
        modes = [_mode(s) for s in _running(compose, profile).values() if _serves(s)]
        if modes.count("polling") > 1 or ("polling" in modes and "webhook" in modes):
            problems.append(f"profile {profile}: {modes} would fight over updates")
    return problems


def name_problems(compose: Compose, example: dict[str, str]) -> list[str]:
    """Every variable set for Attune is one Settings reads."""
    names = set(example)
    for service in compose["services"].values():
        if _is_attune(service):
            names |= set(service.get("environment") or {})
    return [f"{n} is not a setting" for n in sorted(names - set(SETTINGS))]


def rate_problems(compose: Compose) -> list[str]:
    """The processes of one profile together stay within Telegram's overall send rates:
    the free one, and paid broadcast's."""
    problems = []
    for name, limit in (
        ("ATTUNE_RATE_LIMIT", TELEGRAM_SENDS_PER_SECOND),
        ("ATTUNE_PAID_BROADCAST_RATE", TELEGRAM_PAID_SENDS_PER_SECOND),
    ):
        default = SETTINGS[name].default
        for profile in sorted(_profiles(compose)):
            total = sum(
                float(s.get("environment", {}).get(name, default))
                for s in _running(compose, profile).values()
                if _serves(s)
            )
            if total > limit:
                problems.append(f"profile {profile}: {name} {total}/s together")
    return problems


# --- the real files -----------------------------------------------------------------------


def test_images_are_pinned() -> None:
    assert image_problems(_compose()) == []
    broken = _compose()
    broken["services"]["postgres"]["image"] = "postgres:latest"
    broken["services"]["proxy"]["image"] = "nginx"
    assert len(image_problems(broken)) == 2


def test_every_service_is_health_checked_or_a_one_shot() -> None:
    assert health_problems(_compose()) == []
    broken = _compose()
    del broken["services"]["postgres"]["healthcheck"]
    broken["services"]["migrate"]["restart"] = "unless-stopped"
    assert len(health_problems(broken)) == 2


def test_profiles_never_mix_polling_and_webhook() -> None:
    compose = _compose()
    assert profile_problems(compose) == []
    modes = {
        p: {_mode(s) for s in _running(compose, p).values() if _serves(s)}
        for p in _profiles(compose)
    }
    assert {"polling"} in modes.values()
    replicas = [p for p, m in modes.items() if m == {"webhook"}]
    assert replicas and all(
        sum(_serves(s) for s in _running(compose, p).values()) >= 2 for p in replicas
    )
    broken = copy.deepcopy(compose)
    broken["services"]["attune"]["profiles"] = ["replicas"]
    assert profile_problems(broken)
    del broken["services"]["attune"]["profiles"]
    assert profile_problems(broken)


def test_every_variable_is_a_setting() -> None:
    active, commented = _env_file(ROOT / "deploy/attune.env.example")
    assert name_problems(_compose(), active | commented) == []
    assert name_problems(_compose(), {"ATTUNE_WEBHOOK_SECRETS": ""}) != []


def test_replicas_share_telegrams_send_rate() -> None:
    assert rate_problems(_compose()) == []
    for name in ("ATTUNE_RATE_LIMIT", "ATTUNE_PAID_BROADCAST_RATE"):
        broken = _compose()
        for service in broken["services"].values():
            service.get("environment", {}).pop(name, None)
        assert [name in problem for problem in rate_problems(broken)] == [True]


def test_each_attune_service_gets_settings_that_validate(monkeypatch: pytest.MonkeyPatch) -> None:
    for alias in SETTINGS:
        monkeypatch.delenv(alias, raising=False)
    for name, service in _compose()["services"].items():
        if not _is_attune(service):
            continue
        env: dict[str, Any] = {k: v for k, v in _attune_example().items() if v} | FILLED
        env |= {k: str(v) for k, v in (service.get("environment") or {}).items()}
        settings = Settings(_env_file=None, **env)  # type: ignore[call-arg]
        assert settings.token(), name


def test_example_holds_every_secret_but_no_values() -> None:
    example = _attune_example()
    required = {"TELEGRAM_BOT_TOKEN", "ATTUNE_DATA_KEY", "DATABASE_URL"}
    assert required | {"ATTUNE_WEBHOOK_URL", "ATTUNE_WEBHOOK_SECRET"} <= set(example)
    assert "ATTUNE_MODE" not in example  # set per service in docker-compose.yml
    for name in ("TELEGRAM_BOT_TOKEN", "ATTUNE_DATA_KEY", "ATTUNE_WEBHOOK_SECRET"):
        assert example[name] == "", f"{name} must be left for the operator to fill in"
    assert make_url(example["DATABASE_URL"]).password == "CHANGE_ME"
    postgres = _env_file(ROOT / "deploy/postgres.env.example")[0]
    assert postgres == {"POSTGRES_PASSWORD": ""}  # PostgreSQL refuses to start while empty
    secret_like = re.compile(r"[A-Za-z0-9_=-]{32,}|\d+:[\w-]{20,}")
    for path in (ROOT / "deploy").glob("*.example"):
        for name, value in (_env_file(path)[0] | _env_file(path)[1]).items():
            assert not secret_like.search(value), f"{path.name}: {name} holds a real-looking value"


def test_database_url_names_the_compose_database() -> None:
    compose = _compose()
    postgres = compose["services"]["postgres"]
    url = make_url(_attune_example()["DATABASE_URL"])
    assert url.drivername == "postgresql+asyncpg"
    assert (url.host, url.port) == ("postgres", 5432)
    assert url.username == postgres["environment"]["POSTGRES_USER"]
    assert url.database == postgres["environment"]["POSTGRES_DB"]
    # The keyring: a database of its own on the same server (attune migrate creates it).
    keyring = make_url(_attune_example()["ATTUNE_KEYRING_URL"])
    assert (keyring.drivername, keyring.host, keyring.port) == (url.drivername, "postgres", 5432)
    assert keyring.password == "CHANGE_ME" and keyring.database != url.database
    for name, service in compose["services"].items():
        if _is_attune(service):
            wait = service["depends_on"]["postgres"]["condition"]
            assert wait == "service_healthy", name
            assert _seconds(service["stop_grace_period"]) > 10, name


def test_filled_in_env_files_stay_out_of_git_and_the_image() -> None:
    patterns = [p for p in (ROOT / "deploy/.gitignore").read_text().splitlines() if p.strip()]
    patterns = [p for p in patterns if not p.startswith("#")]
    env_files = {
        f
        for s in _compose()["services"].values()
        for f in ([s["env_file"]] if isinstance(s.get("env_file"), str) else s.get("env_file", []))
    }
    assert env_files == {"deploy/attune.env", "deploy/postgres.env"}
    for env_file in env_files:
        assert (ROOT / f"{env_file}.example").is_file()
        assert _ignored(Path(env_file).name, patterns), env_file
        assert not _ignored(f"{Path(env_file).name}.example", patterns)
    assert "deploy" in (ROOT / ".dockerignore").read_text().splitlines()


def test_nginx_sends_the_webhook_to_every_replica() -> None:
    compose = _compose()
    conf = re.sub(r"#[^\n]*", "", (ROOT / "deploy/nginx.conf").read_text())
    upstream = re.search(r"upstream\s+(\w+)\s*\{([^}]*)\}", conf)
    assert upstream is not None
    servers = set(re.findall(r"^\s*server\s+(\S+)", upstream[2], re.MULTILINE))
    port = SETTINGS["ATTUNE_HTTP_PORT"].default
    replicas = {n for n, s in compose["services"].items() if _serves(s) and _mode(s) == "webhook"}
    assert servers == {f"{name}:{port}" for name in replicas}
    path = urlsplit(_attune_example()["ATTUNE_WEBHOOK_URL"]).path
    location = re.search(r"location\s+=?\s*" + re.escape(path) + r"\s*\{(.*?)\n    \}", conf, re.S)
    assert location is not None, f"no location for the webhook path {path}"
    body = location[1]
    assert f"proxy_pass http://{upstream[1]};" in body
    # Attune answers 503 while starting or stopping, without taking the update.
    retry = re.search(r"proxy_next_upstream\s+([^;]*);", body)
    assert retry is not None
    assert {"error", "timeout", "http_503", "non_idempotent"} <= set(retry[1].split())
    assert re.search(
        r"proxy_set_header\s+X-Telegram-Bot-Api-Secret-Token\s+\$http_x_telegram_bot_api_secret_token",
        body,
    )
    proxy = compose["services"]["proxy"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert set(proxy["depends_on"]) == replicas
    assert set(proxy["profiles"]) == {
        p for n in replicas for p in compose["services"][n]["profiles"]
    }


def test_dockerfile() -> None:
    steps = _dockerfile()
    bases = [args for word, args in steps if word == "FROM"]
    assert len(bases) == 2 and all(re.match(r"python:\d+\.\d+\.\d+-slim", b) for b in bases)
    runtime = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM") :]
    # The installs CI proves work: the lock by hash, then the project adding nothing to it.
    for install in (
        re.compile(
            r"pip install( --quiet)? --no-cache-dir --require-hashes -r requirements\.lock$", re.M
        ),
        re.compile(r"pip install( --quiet)? --no-cache-dir --no-deps \.$", re.MULTILINE),
    ):
        assert any(install.search(args) for word, args in steps if word == "RUN")
        assert install.search((ROOT / ".ci/run").read_text())
    assert not any(re.search(r"apt-get|gcc|build-essential", a) for w, a in runtime if w == "RUN")
    users = [args for word, args in runtime if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert ("EXPOSE", str(SETTINGS["ATTUNE_HTTP_PORT"].default)) in runtime
    assert ("STOPSIGNAL", "SIGTERM") in runtime
    assert "/healthz" in _dockerfile_healthcheck()[-1]


@pytest.mark.parametrize("source", ["Dockerfile", "docker-compose.yml"])
def test_healthcheck_probes_healthz_on_the_configured_port(source: str) -> None:
    if source == "Dockerfile":
        command = _dockerfile_healthcheck()
    else:
        services = _compose()["services"]
        commands = {tuple(s["healthcheck"]["test"]) for s in services.values() if _serves(s)}
        assert len(commands) == 1
        command = list(commands.pop())[1:]  # after "CMD"
    assert command[:2] == ["python", "-c"]
    with _server(200) as (port, paths):
        assert _probe(command[2], port) == 0
        assert paths == ["/healthz"]
    with _server(503) as (port, _):
        assert _probe(command[2], port) != 0
    assert _probe(command[2], port) != 0  # nothing listening any more


def test_readme_configuration_table_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = {
        m[1]: m[2].strip()
        for m in re.finditer(r"^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|", section, re.MULTILINE)
    }
    assert set(rows) == set(SETTINGS)
    for alias, field in SETTINGS.items():
        default, cell = field.default, rows[alias]
        if default in (None, ""):
            assert cell.startswith("—"), alias
        elif isinstance(default, int | float | str) and not isinstance(default, bool):
            literal = re.match(r"`([^`]*)`", cell)
            assert literal is not None, alias
            value = float(literal[1]) if isinstance(default, int | float) else literal[1]
            assert value == default, f"{alias}: README says {literal[1]}, code says {default}"


# --- helpers ------------------------------------------------------------------------------


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)(s|m)", duration)
    assert match is not None, duration
    return int(match[1]) * (60 if match[2] == "m" else 1)


def _ignored(name: str, patterns: list[str]) -> bool:
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if fnmatch.fnmatch(name, pattern.lstrip("!")):
            ignored = not negated
    return ignored


def _dockerfile() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
        for line in lines
        if line and not line.startswith("#")
    ]


def _dockerfile_healthcheck() -> list[str]:
    args = [a for word, a in _dockerfile() if word == "HEALTHCHECK"]
    assert len(args) == 1
    command: list[str] = json.loads(args[0].split("CMD", 1)[1])
    return command


@contextmanager
def _server(status: int) -> Iterator[tuple[int, list[str]]]:
    """A loopback HTTP server answering every GET with `status`; yields its port and paths."""
    paths: list[str] = []

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            paths.append(self.path)
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd.server_address[1], paths
    finally:
        httpd.shutdown()
        httpd.server_close()


def _probe(code: str, port: int) -> int:
    env = {"ATTUNE_HTTP_PORT": str(port), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, timeout=20, check=False
    )
    return done.returncode
