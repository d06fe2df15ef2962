"""Settings come from the environment, parsed strictly; bad values name their variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.settings import PROJECT_ROOT, Settings, SettingsError, describe

BASE = {"HOTLINE_SECRET_KEY": "s3cret", "HOTLINE_CARRIER_AUTH_TOKEN": "token"}


def test_defaults_are_the_embedded_ones() -> None:
    settings = Settings.from_env(BASE)
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith(
        "var/hotline.db"
    )
    assert settings.broker_url.startswith("sqla+sqlite:///")
    assert settings.validate_signatures is True
    assert settings.timezone == "Asia/Shanghai"
    assert settings.ring_timeout_s == 20 and settings.total_ring_limit_s == 90
    assert settings.voicemail_max_length_s == 180


def test_values_are_parsed_into_types() -> None:
    settings = Settings.from_env(
        {
            **BASE,
            "HOTLINE_VALIDATE_SIGNATURES": "off",
            "HOTLINE_RING_TIMEOUT": " 15 ",
            "HOTLINE_PUBLIC_BASE_URL": "https://line.example.org/",
            "HOTLINE_RECORDINGS_DIR": "data/rec",
            "HOTLINE_VOSK_MODEL": "/opt/models/vosk-model-small-cn-0.22",
        }
    )
    assert settings.validate_signatures is False
    assert settings.ring_timeout_s == 15
    assert settings.public_base_url == "https://line.example.org"
    assert settings.recordings_dir == PROJECT_ROOT / "data" / "rec"
    assert settings.vosk_model == Path("/opt/models/vosk-model-small-cn-0.22")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HOTLINE_VALIDATE_SIGNATURES", "False-ish"),
        ("HOTLINE_RING_TIMEOUT", "twenty"),
        ("HOTLINE_RING_TIMEOUT", "-1"),
        ("HOTLINE_PUBLIC_BASE_URL", "line.example.org"),
        ("HOTLINE_TIMEZONE", "Mars/Olympus"),
        ("HOTLINE_SECRET_KEY", "  "),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({**BASE, variable: value})


def test_missing_secret_is_an_error() -> None:
    with pytest.raises(SettingsError, match="HOTLINE_SECRET_KEY: required"):
        Settings.from_env({"HOTLINE_CARRIER_AUTH_TOKEN": "token"})


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [variable for variable, _, _ in describe() if f"`{variable}`" not in readme]
    assert missing == []


def test_voices_are_chosen_per_language() -> None:
    settings = Settings.from_env(
        {**BASE, "HOTLINE_TTS_VOICES": "zh-CN=Polly.Zhiyu, en-US = Polly.Joanna"}
    )
    assert dict(settings.tts_voices) == {"zh-CN": "Polly.Zhiyu", "en-US": "Polly.Joanna"}
    with pytest.raises(SettingsError, match="HOTLINE_TTS_VOICES"):
        Settings.from_env({**BASE, "HOTLINE_TTS_VOICES": "Polly.Zhiyu"})
