"""Server project URLs without their password (what may be remembered, shown or logged)."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url


def without_password(url: str) -> str:
    """``url`` with the password removed; everything else (user, host, TLS options) kept."""
    parsed = make_url(url)
    # URL.set(password=None) keeps the password (None means "unchanged"): rebuild instead.
    return URL.create(
        parsed.drivername,
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    ).render_as_string(hide_password=False)
