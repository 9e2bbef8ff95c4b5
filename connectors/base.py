"""The interface each platform connector implements, the manual connector and the HTTP seam."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import requests
from django.conf import settings


class ConnectorError(Exception):
    """The platform refused or could not be reached; the message never holds a token.
    ``status`` and ``headers`` are the refusing response's, when there was one (a 429's
    ``Retry-After``, a 404 for something deleted)."""

    def __init__(
        self, message: str = "", *, status: int | None = None, headers=None, body: str = ""
    ):
        super().__init__(message)
        self.status = status
        self.headers = headers if headers is not None else {}
        self.body = body


class ManualRequired(Exception):
    """This platform offers no API for the action; a person does it and confirms."""


@dataclass
class SendResult:
    platform_id: str = ""


class Connector(Protocol):
    def reply(self, *, platform_id: str, text: str, author_name: str = "") -> SendResult: ...

    def hide(self, *, platform_id: str) -> SendResult: ...

    def delete(self, *, platform_id: str) -> SendResult: ...

    def notify(self, *, platform_id: str, text: str, author_name: str = "") -> SendResult:
        """Tell the author of a removed item, privately, that it was removed and why."""
        ...


class ManualConnector:
    """For accounts without a configured connector: every action is done by hand on the
    platform and confirmed by the person who did it."""

    def reply(self, *, platform_id: str, text: str, author_name: str = "") -> SendResult:
        raise ManualRequired

    def hide(self, *, platform_id: str) -> SendResult:
        raise ManualRequired

    def delete(self, *, platform_id: str) -> SendResult:
        raise ManualRequired

    def notify(self, *, platform_id: str, text: str, author_name: str = "") -> SendResult:
        raise ManualRequired


def http_request(method: str, url: str, *, token: str, **kwargs) -> requests.Response:
    """The one outbound HTTP seam. The token goes in the Authorization header, never in the URL,
    so it cannot end up in an error message or a log line."""
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    try:
        response = requests.request(
            method, url, headers=headers, timeout=settings.CONNECTOR_HTTP_TIMEOUT, **kwargs
        )
    except requests.RequestException as exc:
        raise ConnectorError(f"{method} {url}: {type(exc).__name__}") from None
    if response.status_code >= 400:
        raise ConnectorError(
            f"{method} {url}: HTTP {response.status_code} {_error_text(response)}",
            status=response.status_code,
            headers=response.headers,
            body=response.text[:100_000],
        )
    return response


def _error_text(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            return str(error.get("message", ""))[:300]
        if error:
            return str(error)[:300]
    return str(data)[:300]


def json_id(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return str(data.get("id", "")) if isinstance(data, dict) else ""
