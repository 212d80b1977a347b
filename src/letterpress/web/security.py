"""Security headers on every response of the Flask app.

The Content-Security-Policy allows scripts, styles, fonts and images from this origin only: no
inline script, no inline event handlers, no inline styles, no framing. Pages with CRM data are
not stored by browsers or proxies (``Cache-Control: no-store``); static files keep Flask's
revalidating caching.
"""

from __future__ import annotations

from flask import Flask, Response, request

from letterpress.config import Settings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    "script-src 'self'; "
    "style-src 'self'; "
    "img-src 'self' data:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'none'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)

HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

HSTS = "max-age=31536000"


def init_app(app: Flask, settings: Settings) -> None:
    headers = dict(HEADERS)
    if settings.web.secure_cookies:
        # secure_cookies means "served over HTTPS"; browsers then refuse a downgrade.
        headers["Strict-Transport-Security"] = HSTS

    wanted = [(name.lower(), name, value) for name, value in headers.items()]

    @app.after_request
    def _set_headers(response: Response) -> Response:
        # One pass over the response's headers (setdefault per header scans them each time).
        present = {name.lower() for name, _value in response.headers.items()}
        response.headers.extend(
            [(name, value) for key, name, value in wanted if key not in present])
        if request.endpoint != "static" and "cache-control" not in present:
            response.headers["Cache-Control"] = "no-store"
        return response
