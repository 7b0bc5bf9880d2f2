"""Finding 8: inside the image no `.env` is read (its working directory is the /data
volume) unless ATTUNE_ENV_FILE names one, development mode is refused there, and what the
image installs is pinned by hash."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.e2e.harness import DATA_KEY, TOKEN

ROOT = Path(__file__).resolve().parents[2]
# A .env someone left in the volume: a token and settings that weaken the bot.
PLANTED = f"TELEGRAM_BOT_TOKEN={TOKEN}\nATTUNE_ENV=development\nLOG_LEVEL=DEBUG\n"


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions of its last stage (the image that runs)."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    steps = [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
        for line in lines
        if line and not line.startswith("#")
    ]
    last = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last:]


def image_environment() -> dict[str, str]:
    """The variables the image's ENV lines set (PATH-like values left out)."""
    env = {}
    for word, args in _instructions():
        if word == "ENV":
            for name, value in re.findall(r"([A-Z_][A-Z0-9_]*)=(\S*)", args):
                if "$" not in value:
                    env[name] = value
    return env


@pytest.fixture
def volume(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty environment, working in a folder that holds a planted .env."""
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "ATTUNE_")) or name in ("DATABASE_URL", "LOG_LEVEL"):
            monkeypatch.delenv(name)
    (tmp_path / ".env").write_text(PLANTED)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def test_the_image_reads_no_env_file_from_its_volume(
    volume: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in image_environment().items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.telegram_bot_token is None
    assert (settings.env, settings.log_level) == ("production", "INFO")


def test_the_image_reads_the_env_file_ATTUNE_ENV_FILE_names(
    volume: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name, value in image_environment().items():
        monkeypatch.setenv(name, value)
    secrets = tmp_path_factory.mktemp("secrets") / "attune.env"
    secrets.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nATTUNE_DATA_KEY={DATA_KEY}\n")
    monkeypatch.setenv("ATTUNE_ENV_FILE", str(secrets))
    settings = Settings()
    assert settings.token() == TOKEN
    assert settings.env == "production"  # the planted .env is still not read


def test_an_ATTUNE_ENV_FILE_that_is_no_file_is_refused(
    volume: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATTUNE_ENV_FILE", str(volume / "no-such.env"))
    with pytest.raises(ValueError, match="ATTUNE_ENV_FILE"):
        Settings()
    monkeypatch.setenv("ATTUNE_ENV_FILE", "")  # blank: unset, as compose may leave it
    assert Settings().env == "development"  # the .env of the working directory, as before


def test_outside_the_image_make_run_still_reads_env(volume: Path) -> None:
    settings = Settings()
    assert settings.token() == TOKEN
    assert settings.env == "development"


def test_development_mode_is_refused_in_the_image(volume: Path) -> None:
    env = {**os.environ, **image_environment(), "ATTUNE_ENV": "development"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{volume / 'attune.db'}"
    env["TELEGRAM_BOT_TOKEN"] = TOKEN
    env["TELEGRAM_API_BASE_URL"] = "http://127.0.0.1:9"  # never Telegram, whatever happens
    for command in ("run", "check-config"):
        done = subprocess.run(
            [sys.executable, "-m", "bot", command],
            env=env, cwd=volume, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        said = done.stderr.strip()
        assert "\n" not in said and "ATTUNE_ENV=development" in said and "container" in said
    assert not (volume / "attune.db").exists()
    assert not (volume / "attune-data.key").exists()


def test_the_image_listens_on_every_interface_for_its_published_port(
    volume: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in image_environment().items():
        monkeypatch.setenv(name, value)
    assert Settings().http_host == "0.0.0.0"


def _requirement(line: str) -> tuple[str, str] | None:
    match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)", line)
    if match is None:
        return None
    return re.sub(r"[-_.]+", "-", match[1]).lower(), match[3]


def test_the_image_installs_a_lock_pinned_by_hash() -> None:
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    runs = [
        line
        for line in text.splitlines()
        if line.strip().startswith("RUN") and "pip install" in line
    ]
    installs = [a for a in runs if "requirements.lock" in a]
    assert installs and all("--require-hashes" in a for a in installs), runs
    # The project itself adds nothing the lock did not pin.
    assert any(re.search(r"pip install .*--no-deps .*\.$", a) for a in runs), runs
    lock = (ROOT / "requirements.lock").read_text()
    entries = re.split(
        r"\n(?=[A-Za-z0-9])", lock.split("\n", 1)[1] if lock.startswith("#") else lock
    )
    pinned = {}
    for entry in entries:
        requirement = _requirement(entry)
        if requirement is None:
            continue
        assert "--hash=sha256:" in entry, entry.splitlines()[0]
        pinned[requirement[0]] = requirement[1]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dependency in project["dependencies"]:
        requirement = _requirement(dependency)
        assert requirement is not None, dependency
        assert pinned.get(requirement[0]) == requirement[1], dependency


def test_ci_checks_the_lock_against_pyproject() -> None:
    assert re.search(r"^make lock-check$", (ROOT / ".ci/run").read_text(), re.MULTILINE)
    assert re.search(r"^lock-check:", (ROOT / "Makefile").read_text(), re.MULTILINE)
