"""Security headers on every response of the app: pages, redirects, errors and webhooks."""

from __future__ import annotations

from flask import Flask, Response

# No inline script or style anywhere (tests/web/test_security_headers.py checks the templates):
# an injected <script> or onclick= does not run, and nothing may frame the dashboard.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)
HSTS_SECONDS = 365 * 24 * 3600


def security_headers(public_base_url: str) -> dict[str, str]:
    """The headers every response gets unless it sets its own; HSTS only when served on https."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        # Pages show callers' numbers and voicemail text: keep them out of browser and proxy
        # caches. Responses with caching of their own (static files) keep it.
        "Cache-Control": "no-store",
    }
    if public_base_url.startswith("https://"):
        headers["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}"
    return headers


def init_security_headers(app: Flask, public_base_url: str) -> None:
    """Add security_headers() to every response of `app`."""
    headers = security_headers(public_base_url)

    @app.after_request
    def _add_security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
