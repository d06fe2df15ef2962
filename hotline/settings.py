"""Typed settings read once from the environment; nothing else reads os.environ."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"
# Developer secrets and local choices, written by `make` (never present in production).
DEV_ENV = VAR_DIR / "dev.env"


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


def parse_bool(name: str, raw: str) -> bool:
    """Parse a boolean strictly: junk raises instead of silently meaning True."""
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}: expected true/false, got {raw!r}")


def parse_int(name: str, raw: str, *, minimum: int = 0) -> int:
    """Parse a whole number no smaller than `minimum`."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name}: must be >= {minimum}, got {value}")
    return value


def parse_url(name: str, raw: str) -> str:
    """Parse an absolute http(s) URL without a trailing slash."""
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SettingsError(f"{name}: expected an http(s) URL, got {raw!r}")
    return value


def parse_timezone(name: str, raw: str) -> str:
    """Parse an IANA time zone name."""
    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name}: unknown time zone {raw!r}") from None
    return raw.strip()


def parse_path(name: str, raw: str) -> Path:
    """Parse a filesystem path, relative paths being relative to the project root."""
    if not raw.strip():
        raise SettingsError(f"{name}: empty path")
    path = Path(raw.strip()).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def parse_optional_path(name: str, raw: str) -> Path | None:
    """Parse a path that may be left empty."""
    return parse_path(name, raw) if raw.strip() else None


def parse_str(name: str, raw: str) -> str:
    """Keep a string as given, trimmed."""
    return raw.strip()


def parse_language(name: str, raw: str) -> str:
    """Parse an optional language code (`zh`, `yue`, `en`): 2-8 ASCII letters, or empty."""
    value = raw.strip().lower()
    if value and not (2 <= len(value) <= 8 and value.isascii() and value.isalpha()):
        raise SettingsError(f"{name}: expected a language code such as zh, got {raw!r}")
    return value


def parse_voices(name: str, raw: str) -> tuple[tuple[str, str], ...]:
    """Parse `lang=voice` pairs separated by commas (`zh-CN=Polly.Zhiyu,en-US=Polly.Joanna`)."""
    voices: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        language, sep, voice = (part.strip() for part in pair.partition("="))
        if not sep or not language or not voice:
            raise SettingsError(f"{name}: expected language=voice pairs, got {pair!r}")
        voices[language] = voice
    return tuple(voices.items())


def parse_required(name: str, raw: str) -> str:
    """A string that must not be empty."""
    if not raw.strip():
        raise SettingsError(f"{name}: must not be empty")
    return raw.strip()


def parse_numbers(name: str, raw: str) -> tuple[str, ...]:
    """Parse comma-separated phone numbers in international format (+8613800000000)."""
    numbers = tuple(n.strip() for n in raw.split(",") if n.strip())
    for number in numbers:
        if not (number.startswith("+") and number[1:].isdigit() and 8 <= len(number) <= 16):
            raise SettingsError(f"{name}: {number!r} is not a number like +8613800000000")
    return numbers


def parse_hosts(name: str, raw: str) -> tuple[str, ...]:
    """Parse comma-separated `host` or `host:port` entries (lower-cased)."""
    hosts = tuple(h.strip().lower() for h in raw.split(",") if h.strip())
    for host in hosts:
        parts = urlsplit(f"//{host}")
        try:
            port_ok = parts.port is None or 0 < parts.port < 65536
        except ValueError:
            port_ok = False
        if not parts.hostname or not port_ok or parts.netloc != host or "@" in host:
            raise SettingsError(f"{name}: {host!r} is not a host or host:port")
    return hosts


def parse_log_format(name: str, raw: str) -> str:
    """Parse a log format: text or json."""
    value = raw.strip().lower()
    if value not in {"text", "json"}:
        raise SettingsError(f"{name}: expected text or json, got {raw!r}")
    return value


def parse_listen(name: str, raw: str) -> str:
    """Parse an optional `host:port` to listen on (empty: do not listen)."""
    value = raw.strip()
    host, sep, port = value.rpartition(":")
    if value and not (sep and host and port.isdigit() and 0 < int(port) < 65536):
        raise SettingsError(f"{name}: expected host:port, got {raw!r}")
    return value


def setting(
    env: str, parser: Callable[[str, str], Any], doc: str, *, default: Any = MISSING
) -> Any:
    """Declare a setting: its variable, strict parser and meaning; no default means required."""
    return field(default=default, metadata={"env": env, "parser": parser, "doc": doc})


@dataclass(frozen=True)
class Settings:
    """Every setting of the hotline, with its environment variable and meaning."""

    secret_key: str = setting(
        "HOTLINE_SECRET_KEY", parse_required, "Signs dashboard sessions and CSRF tokens."
    )
    database_url: str = setting(
        "HOTLINE_DATABASE_URL",
        parse_required,
        "SQLAlchemy URL; PostgreSQL in production (postgresql+psycopg://...).",
        default=f"sqlite:///{VAR_DIR / 'hotline.db'}",
    )
    broker_url: str = setting(
        "HOTLINE_BROKER_URL",
        parse_required,
        "Celery broker; redis://... or amqp://... in production.",
        default=f"sqla+sqlite:///{VAR_DIR / 'celery-broker.db'}",
    )
    public_base_url: str = setting(
        "HOTLINE_PUBLIC_BASE_URL",
        parse_url,
        "URL the carrier reaches us at; webhook signatures are checked against it.",
        default="http://127.0.0.1:5000",
    )
    carrier_account_sid: str = setting(
        "HOTLINE_CARRIER_ACCOUNT_SID",
        parse_str,
        "Carrier account SID (REST calls, recording downloads).",
        default="",
    )
    carrier_auth_token: str = setting(
        "HOTLINE_CARRIER_AUTH_TOKEN",
        parse_str,
        "Carrier auth token; signs webhooks. Required while signatures are checked.",
        default="",
    )
    carrier_signing_key: str = setting(
        "HOTLINE_CARRIER_SIGNING_KEY",
        parse_str,
        "Key the carrier signs webhooks with, where it is not the auth token (SignalWire: the"
        " project's Signing Key); empty = HOTLINE_CARRIER_AUTH_TOKEN.",
        default="",
    )
    carrier_api_base_url: str = setting(
        "HOTLINE_CARRIER_API_BASE_URL",
        parse_url,
        "REST base URL of any Twilio-compatible carrier.",
        default="https://api.twilio.com",
    )
    carrier_media_hosts: tuple[str, ...] = setting(
        "HOTLINE_CARRIER_MEDIA_HOSTS",
        parse_hosts,
        "Comma-separated hosts (host or host:port) recordings are downloaded from, with the"
        " carrier's credentials; empty = the host of HOTLINE_CARRIER_API_BASE_URL.",
        default=(),
    )
    carrier_media_allow_http: bool = setting(
        "HOTLINE_CARRIER_MEDIA_ALLOW_HTTP",
        parse_bool,
        "Allow plain-http recording downloads (a local carrier simulator only); else https only.",
        default=False,
    )
    recording_max_bytes: int = setting(
        "HOTLINE_RECORDING_MAX_BYTES",
        functools.partial(parse_int, minimum=1),
        "Largest recording download accepted, in bytes (10 minutes at 8 kHz is under 10 MB).",
        default=20_000_000,
    )
    recording_download_seconds: int = setting(
        "HOTLINE_RECORDING_DOWNLOAD_SECONDS",
        functools.partial(parse_int, minimum=1),
        "Longest a recording download may take in all, in seconds; a slower one is retried.",
        default=120,
    )
    transcribe_lease_seconds: int = setting(
        "HOTLINE_TRANSCRIBE_LEASE_SECONDS",
        functools.partial(parse_int, minimum=2),
        "Seconds a transcription claim outlives its worker's last renewal (renewed ten times"
        " per lease); a dead worker's voicemail is taken over by the next sweep after that.",
        default=600,
    )
    sms_from_number: str = setting(
        "HOTLINE_SMS_FROM",
        parse_str,
        "Number SMS (reminders, alerts) are sent from; empty disables SMS.",
        default="",
    )
    validate_signatures: bool = setting(
        "HOTLINE_VALIDATE_SIGNATURES",
        parse_bool,
        "Check X-Twilio-Signature. Turn off only on a developer machine.",
        default=True,
    )
    ivr_flow_path: Path = setting(
        "HOTLINE_IVR_FLOW",
        parse_path,
        "The IVR flow file to serve.",
        default=PROJECT_ROOT / "ivr_flows" / "main.yaml",
    )
    tts_voices: tuple[tuple[str, str], ...] = setting(
        "HOTLINE_TTS_VOICES",
        parse_voices,
        "Voice of <Say> per language, carrier specific: zh-CN=Polly.Zhiyu,en-US=Polly.Joanna;"
        " a language left out uses the carrier's default voice.",
        default=(),
    )
    ring_timeout_s: int = setting(
        "HOTLINE_RING_TIMEOUT", parse_int, "Seconds each volunteer rings.", default=20
    )
    total_ring_limit_s: int = setting(
        "HOTLINE_TOTAL_RING_LIMIT",
        parse_int,
        "Seconds of hunting before the caller goes to voicemail.",
        default=90,
    )
    carrier_screening: bool = setting(
        "HOTLINE_CARRIER_SCREENING",
        parse_bool,
        "The carrier runs <Number url> (call screening: the volunteer presses 1 to take the"
        " call). Off (Somleng): each volunteer is rung alone, for at most"
        " HOTLINE_UNSCREENED_RING_TIMEOUT seconds, and whoever picks up takes the call.",
        default=True,
    )
    unscreened_ring_timeout_s: int = setting(
        "HOTLINE_UNSCREENED_RING_TIMEOUT",
        functools.partial(parse_int, minimum=5),
        "Most seconds each volunteer rings without screening: under the 20-25 s after which"
        " a personal voicemail typically answers (and would take the call).",
        default=15,
    )
    voicemail_max_length_s: int = setting(
        "HOTLINE_VOICEMAIL_MAX_LENGTH", parse_int, "Longest voicemail, in seconds.", default=180
    )
    recordings_dir: Path = setting(
        "HOTLINE_RECORDINGS_DIR",
        parse_path,
        "Where downloaded voicemails are kept.",
        default=VAR_DIR / "recordings",
    )
    models_dir: Path = setting(
        "HOTLINE_MODELS_DIR", parse_path, "Directory of Vosk models.", default=VAR_DIR / "models"
    )
    vosk_model: Path | None = setting(
        "HOTLINE_VOSK_MODEL",
        parse_optional_path,
        "Path of the Vosk model to use; overrides the models directory.",
        default=None,
    )
    vosk_model_packages: bool = setting(
        "HOTLINE_VOSK_MODEL_PACKAGES",
        parse_bool,
        "Fall back to a pip-installed vosk_model_* package (the dev model); off in production.",
        default=True,
    )
    vosk_model_language: str = setting(
        "HOTLINE_VOSK_MODEL_LANGUAGE",
        parse_language,
        "Language of the model's transcripts (zh, en ...); empty = read from the model's name"
        " (vosk-model-small-cn-0.22 is zh).",
        default="",
    )
    transcribe_vad: bool = setting(
        "HOTLINE_TRANSCRIBE_VAD",
        parse_bool,
        "Decode only the speech in a recording (voice activity detection, padded); off decodes"
        " all of it, silence and line noise included.",
        default=True,
    )
    delete_recordings_at_carrier: bool = setting(
        "HOTLINE_DELETE_RECORDINGS_AT_CARRIER",
        parse_bool,
        "Delete the carrier's copy once a recording is stored here.",
        default=False,
    )
    recording_retention_days: int = setting(
        "HOTLINE_RECORDING_RETENTION_DAYS",
        parse_int,
        "Days a voicemail's audio is kept, then deleted by beat (reviewed ones only; transcripts"
        " and tickets are kept); 0 keeps audio forever.",
        default=365,
    )
    timezone: str = setting(
        "HOTLINE_TIMEZONE",
        parse_timezone,
        "Local time zone of the line (rota, dashboard, ticket years).",
        default="Asia/Shanghai",
    )
    ticket_sla_hours: int = setting(
        "HOTLINE_TICKET_SLA_HOURS",
        parse_int,
        "Hours a ticket has to be resolved (the county's 3-day promise).",
        default=72,
    )
    kpi_promise_days: int = setting(
        "HOTLINE_KPI_PROMISE_DAYS",
        functools.partial(parse_int, minimum=1),
        "Days within which the KPI counts a ticket resolved in time (the county's promise).",
        default=3,
    )
    kpi_target_percent: int = setting(
        "HOTLINE_KPI_TARGET_PERCENT",
        functools.partial(parse_int, minimum=1),
        "Share of tickets (percent) to resolve in time: the line drawn on the KPI charts.",
        default=90,
    )
    supervisor_fallback_number: str = setting(
        "HOTLINE_SUPERVISOR_NUMBER",
        parse_str,
        "Number dialled after the whole rota chain; empty = none.",
        default="",
    )
    line_number: str = setting(
        "HOTLINE_LINE_NUMBER",
        parse_str,
        "The hotline's own number, shown to both sides of a call back; empty disables call backs.",
        default="",
    )
    caller_sms: bool = setting(
        "HOTLINE_CALLER_SMS",
        parse_bool,
        "Text the caller their ticket's short reference when a call ends with a ticket.",
        default=True,
    )
    survey_call: bool = setting(
        "HOTLINE_SURVEY_CALL",
        parse_bool,
        "Ask the satisfaction question by an outbound call (one key, 1-5); each ticket is asked"
        " once, by phone or SMS, whichever sweep reaches it first.",
        default=False,
    )
    swap_requires_approval: bool = setting(
        "HOTLINE_SWAP_REQUIRES_APPROVAL",
        parse_bool,
        "A supervisor must approve shift swaps.",
        default=True,
    )
    rota_reminder_lead_minutes: int = setting(
        "HOTLINE_ROTA_REMINDER_LEAD",
        parse_int,
        "Minutes before a shift its volunteer is reminded by SMS; 0 = no reminders.",
        default=120,
    )
    rota_alert_horizon_hours: int = setting(
        "HOTLINE_ROTA_ALERT_HORIZON",
        parse_int,
        "Supervisors are alerted of a rota gap (nobody on layer 1) starting within these hours.",
        default=72,
    )
    rota_alert_numbers: tuple[str, ...] = setting(
        "HOTLINE_ROTA_ALERT_NUMBERS",
        parse_numbers,
        "Comma-separated numbers also texted rota gap alerts (besides supervisors' mobiles).",
        default=(),
    )
    survey_sms: bool = setting(
        "HOTLINE_SURVEY_SMS",
        parse_bool,
        "Text residents a satisfaction question (reply 1-5) after their ticket is resolved.",
        default=True,
    )
    survey_delay_minutes: int = setting(
        "HOTLINE_SURVEY_DELAY",
        functools.partial(parse_int, minimum=1),
        "Minutes after a ticket is resolved before its caller is asked for a score.",
        default=30,
    )
    photo_max_bytes: int = setting(
        "HOTLINE_PHOTO_MAX_BYTES",
        functools.partial(parse_int, minimum=1),
        "Largest photo accepted on a ticket, in bytes (before it is re-encoded).",
        default=10_000_000,
    )
    photo_link_hours: int = setting(
        "HOTLINE_PHOTO_LINK_HOURS",
        functools.partial(parse_int, minimum=1),
        "Hours the link to a ticket's photos in a technician's job SMS keeps working.",
        default=72,
    )
    log_level: str = setting(
        "HOTLINE_LOG_LEVEL", parse_required, "Python logging level.", default="INFO"
    )
    log_format: str = setting(
        "HOTLINE_LOG_FORMAT",
        parse_log_format,
        "text, or json: one JSON object per line with the call SID and ticket of a call's work.",
        default="text",
    )
    health_timeout_s: int = setting(
        "HOTLINE_HEALTH_TIMEOUT",
        functools.partial(parse_int, minimum=1),
        "Seconds /readyz waits for the database and for the broker before calling each down.",
        default=2,
    )
    heartbeat_interval_s: int = setting(
        "HOTLINE_HEARTBEAT_INTERVAL",
        functools.partial(parse_int, minimum=1),
        "Seconds between a worker process's heartbeats (the heartbeat table, read by /readyz).",
        default=30,
    )
    health_stale_after_s: int = setting(
        "HOTLINE_HEALTH_STALE_AFTER",
        functools.partial(parse_int, minimum=1),
        "A worker's heartbeat, or beat's last job, older than this many seconds is stale.",
        default=120,
    )
    metrics_token: str = setting(
        "HOTLINE_METRICS_TOKEN",
        parse_str,
        "Bearer token Prometheus sends to /metrics; empty = /metrics answers 404.",
        default="",
    )
    worker_metrics_listen: str = setting(
        "HOTLINE_WORKER_METRICS_LISTEN",
        parse_listen,
        "host:port a Celery worker serves its job metrics on (/metrics, bearer"
        " HOTLINE_METRICS_TOKEN); empty = none.",
        default="",
    )
    proxy_hops: int = setting(
        "HOTLINE_PROXY_HOPS",
        parse_int,
        "Reverse proxies in front of a web node whose X-Forwarded-For/-Proto are trusted;"
        " 0 = none.",
        default=0,
    )

    def __post_init__(self) -> None:
        if self.validate_signatures and not self.carrier_auth_token:
            raise SettingsError(
                "HOTLINE_CARRIER_AUTH_TOKEN: required while HOTLINE_VALIDATE_SIGNATURES is on"
            )

    @property
    def media_hosts(self) -> tuple[str, ...]:
        """The hosts recordings may be downloaded from (the API's host unless configured)."""
        return self.carrier_media_hosts or (urlsplit(self.carrier_api_base_url).netloc.lower(),)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build settings from an environment mapping, raising SettingsError naming the variable."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            name = f.metadata["env"]
            if name in environ:
                values[f.name] = f.metadata["parser"](name, environ[name])
            elif f.default is MISSING:
                raise SettingsError(f"{name}: required but not set")
        return cls(**values)


def from_environment(environ: Mapping[str, str] | None = None, dev_env: Path = DEV_ENV) -> Settings:
    """Settings from the environment (default: this process's) over `dev_env` when that file
    exists, so `flask --app app ...` finds the developer's set-up by itself; a variable set in
    the environment always wins. An environment that sets HOTLINE_SECRET_KEY (production, the
    drills and benches) configures the line alone: the file is not read at all."""
    environ = os.environ if environ is None else environ
    if "HOTLINE_SECRET_KEY" in environ or not dev_env.is_file():
        return Settings.from_env(environ)
    layered = {name: value for name, value in dotenv_values(dev_env).items() if value is not None}
    layered.update(environ)
    return Settings.from_env(layered)


def startup_settings(environ: Mapping[str, str] | None = None, dev_env: Path = DEV_ENV) -> Settings:
    """from_environment for the entry points (web, worker, CLI): a configuration error ends the
    process with one line naming the variable and how to set it, not a traceback."""
    try:
        return from_environment(environ, dev_env)
    except SettingsError as exc:
        variable = str(exc).partition(":")[0]
        raise SystemExit(
            f"hotline: configuration error: {exc}. Set {variable} in the environment"
            f" (or, on a developer machine, in {dev_env}: `make run` writes it)"
        ) from None


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) rows for the README's configuration table."""
    rows = []
    for f in dataclasses.fields(Settings):
        if f.default is MISSING:
            default = "(required)"
        elif f.default is None or f.default == "":
            default = "(empty)"
        else:
            default = str(f.default).replace(str(PROJECT_ROOT) + "/", "")
        rows.append((f.metadata["env"], default, f.metadata["doc"]))
    return rows
