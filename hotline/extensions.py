"""Extensions, created unbound and attached to an app in create_app()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app, g
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import make_engine, make_session_factory
from hotline.metrics import metered
from hotline.settings import Settings
from hotline.telephony import Telephony
from hotline.telephony.twilio_rest import TwilioTelephony


@dataclass(frozen=True)
class Database:
    """The engine and session factory of one app."""

    engine: Engine
    sessions: sessionmaker[Session]


def init_database(app: Flask, settings: Settings) -> None:
    """Create the engine for `settings.database_url` and close request sessions on teardown."""
    engine = make_engine(settings.database_url)
    app.extensions["hotline.db"] = Database(engine, make_session_factory(engine))

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


def database() -> Database:
    """The current app's database."""
    db: Database = current_app.extensions["hotline.db"]
    return db


def db_session() -> Session:
    """The session of the current app context (a request or a task), opened on first use."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    session: Session = g.db_session
    return session


def settings() -> Settings:
    """The current app's settings."""
    value: Settings = current_app.extensions["hotline.settings"]
    return value


def now() -> datetime:
    """The current time by the app's clock (the wall clock, except in tests)."""
    clock: Callable[[], datetime] = current_app.extensions["hotline.clock"]
    return clock()


def init_telephony(app: Flask, settings: Settings, telephony: Telephony | None) -> None:
    """Attach the carrier adapter (the given one, for tests and the simulator, or Twilio's REST
    API), its SMS counted for /metrics."""
    app.extensions["hotline.telephony"] = metered(
        telephony
        or TwilioTelephony(
            settings.carrier_account_sid,
            settings.carrier_auth_token,
            settings.carrier_api_base_url,
            settings.sms_from_number,
        )
    )


def telephony() -> Telephony:
    """The current app's carrier adapter."""
    adapter: Telephony = current_app.extensions["hotline.telephony"]
    return adapter


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Login throttling (hotline.web.dashboard.throttle chooses the storage). If the storage fails,
# counts go on in memory per process rather than failing the login.
limiter = Limiter(
    get_remote_address, key_prefix="hotline", in_memory_fallback_enabled=True, swallow_errors=True
)
