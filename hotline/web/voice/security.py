"""Carrier webhook authentication: X-Twilio-Signature (or SignalWire's X-SignalWire-Signature),
checked against the public URL."""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Response, abort, request
from twilio.request_validator import RequestValidator

from hotline.extensions import settings

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def public_url() -> str:
    """The URL the carrier requested, rebuilt on the public base URL (we may sit behind a proxy)."""
    query = request.query_string.decode("latin-1")
    return settings().public_base_url + request.path + (f"?{query}" if query else "")


@functools.cache
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)


def twilio_signed(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Reject (403) any request whose carrier signature is missing or wrong; fail closed."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        config = settings()
        if config.validate_signatures:
            # SignalWire names its header its own way (and signs with its own key).
            signature = request.headers.get("X-Twilio-Signature") or request.headers.get(
                "X-SignalWire-Signature", ""
            )
            # One signature over the exact public URL: RequestValidator.validate would compute
            # a second one for the URL with the port added or removed, which ours never needs.
            # The whole MultiDict goes in: the carrier signs every value of a repeated key.
            key = config.carrier_signing_key or config.carrier_auth_token
            expected = _validator(key).compute_signature(public_url(), request.form)
            if not signature or not hmac.compare_digest(expected, signature):
                logger.warning(
                    "rejected unsigned webhook %s (call %s)",
                    request.path,
                    request.form.get("CallSid"),
                )
                abort(403)
        return view(*args, **kwargs)

    return wrapper
