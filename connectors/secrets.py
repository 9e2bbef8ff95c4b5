"""Connector tokens: read from the environment, or stored encrypted with Fernet.

The key is ``CONNECTOR_SECRET_KEY`` or, when unset, derived from ``SECRET_KEY``; a token is
never shown back in the interface or written to a log.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnavailable(Exception):
    """The token could not be read (variable unset, or encrypted with another key)."""


def _fernet() -> Fernet:
    key = settings.CONNECTOR_SECRET_KEY
    if not key:
        digest = hashlib.sha256(f"connectors:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    try:
        return _fernet().decrypt(stored.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise SecretUnavailable("the stored token cannot be decrypted with this key") from exc


def token_for(config) -> str:
    if config.token_env:
        value = os.environ.get(config.token_env, "")
        if not value:
            raise SecretUnavailable(f"environment variable {config.token_env} is not set")
        return value
    if config.token_encrypted:
        return decrypt(config.token_encrypted)
    raise SecretUnavailable("no token configured")
