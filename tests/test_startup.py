"""Start-up settings: the developer's var/dev.env under the real environment, and a settings
error as one line (flask commands, gunicorn, celery), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.settings import PROJECT_ROOT, from_environment, startup_settings

BIN = Path(sys.executable).parent


def dev_env(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dev.env"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_developer_file_is_found_by_itself(tmp_path: Path) -> None:
    path = dev_env(
        tmp_path,
        "HOTLINE_SECRET_KEY=from-file\nHOTLINE_CARRIER_AUTH_TOKEN=tok\nHOTLINE_RING_TIMEOUT=25\n",
    )

    settings = from_environment({}, path)

    assert (settings.secret_key, settings.carrier_auth_token, settings.ring_timeout_s) == (
        "from-file",
        "tok",
        25,
    )


def test_a_variable_set_in_the_environment_wins(tmp_path: Path) -> None:
    path = dev_env(
        tmp_path,
        "HOTLINE_SECRET_KEY=from-file\nHOTLINE_CARRIER_AUTH_TOKEN=tok\nHOTLINE_RING_TIMEOUT=25\n",
    )

    settings = from_environment({"HOTLINE_RING_TIMEOUT": "30"}, path)

    assert (settings.secret_key, settings.ring_timeout_s) == ("from-file", 30)


def test_an_environment_with_a_secret_key_is_the_whole_configuration(tmp_path: Path) -> None:
    # Production, the drills and the benches: a developer's file never leaks into them.
    path = dev_env(
        tmp_path,
        "HOTLINE_SECRET_KEY=from-file\nHOTLINE_CARRIER_AUTH_TOKEN=tok\nHOTLINE_RING_TIMEOUT=25\n",
    )

    settings = from_environment(
        {"HOTLINE_SECRET_KEY": "from-env", "HOTLINE_CARRIER_AUTH_TOKEN": "t"}, path
    )

    assert (settings.secret_key, settings.carrier_auth_token) == ("from-env", "t")
    assert settings.ring_timeout_s == 20  # the default, not the file's


def test_without_the_file_only_the_environment_counts(tmp_path: Path) -> None:
    settings = from_environment(
        {"HOTLINE_SECRET_KEY": "k", "HOTLINE_CARRIER_AUTH_TOKEN": "t"}, tmp_path / "absent.env"
    )

    assert settings.secret_key == "k"


@pytest.mark.parametrize(
    ("environ", "line"),
    [
        (
            {},
            "hotline: configuration error: HOTLINE_SECRET_KEY: required but not set."
            " Set HOTLINE_SECRET_KEY in the environment",
        ),
        (
            {
                "HOTLINE_SECRET_KEY": "k",
                "HOTLINE_CARRIER_AUTH_TOKEN": "t",
                "HOTLINE_RING_TIMEOUT": "x",
            },
            "hotline: configuration error: HOTLINE_RING_TIMEOUT: expected a whole number, got 'x'."
            " Set HOTLINE_RING_TIMEOUT in the environment",
        ),
    ],
)
def test_a_settings_error_ends_start_up_with_one_line(
    tmp_path: Path, environ: dict[str, str], line: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        startup_settings(environ, tmp_path / "absent.env")

    message = str(stopped.value.code)
    assert message.startswith(line)
    assert "\n" not in message
    assert f"in {tmp_path / 'absent.env'}: `make run` writes it)" in message


@pytest.mark.parametrize(
    "command",
    [
        [str(BIN / "flask"), "--app", "app", "hotline", "welcome"],
        [str(BIN / "gunicorn"), "--bind", "127.0.0.1:0", "app:app"],
        [str(BIN / "celery"), "-A", "worker", "worker"],
    ],
    ids=["flask", "gunicorn", "celery"],
)
def test_entry_points_print_one_line_not_a_traceback(command: list[str]) -> None:
    # An empty secret set in the environment wins over any var/dev.env the developer has.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env["HOTLINE_SECRET_KEY"] = ""

    done = subprocess.run(  # noqa: S603
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    errors = [line for line in done.stderr.splitlines() if "HOTLINE_" in line]
    assert errors == [
        "hotline: configuration error: HOTLINE_SECRET_KEY: must not be empty. Set"
        f" HOTLINE_SECRET_KEY in the environment (or, on a developer machine, in"
        f" {PROJECT_ROOT / 'var' / 'dev.env'}: `make run` writes it)"
    ]
