"""The client's address as the lockout (django-axes) and the sign-in records see it."""

from __future__ import annotations

from ipaddress import ip_address

from django.conf import settings


def _valid(value: str) -> str | None:
    try:
        return str(ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """REMOTE_ADDR, or behind ``TRUSTED_PROXY_COUNT`` trusted proxies (the environment's
    AXES_PROXY_COUNT) the address the outermost of them saw.

    Each proxy appends the address it was connected from to X-Forwarded-For, and the last proxy
    is REMOTE_ADDR. So of ``forwarded + [REMOTE_ADDR]`` the last ``count`` entries are our own
    proxies and the one before them is the client; anything further left was written by the
    client and is never trusted.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return _valid(remote) if remote else None
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part]
    chain = [*forwarded, remote]
    if len(chain) <= count:
        # Fewer hops than configured: the request did not come through every proxy. The
        # nearest address is the only one we know is real.
        return _valid(remote) if remote else None
    return _valid(chain[-(count + 1)]) or (_valid(remote) if remote else None)
