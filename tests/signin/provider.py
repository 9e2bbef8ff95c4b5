"""A real OpenID Provider (node_modules/oidc-provider) on 127.0.0.1 for the sign-in tests, and a
small driver for its development login form."""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
CLIENT_ID = "haparanda-social"
CLIENT_SECRET = "test-secret-" + "x" * 32


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"The identity provider tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"IDENTITY PROVIDER TESTS SKIPPED: {reason}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_provider(*, redirect_uris: list[str], post_logout_redirect_uris: list[str]):
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not installed")
    if not (ROOT / "node_modules" / "oidc-provider").exists():
        _unavailable("oidc-provider is not installed (npm ci)")
    port = _free_port()
    env = {
        **os.environ,
        "OP_PORT": str(port),
        "OP_CLIENT_ID": CLIENT_ID,
        "OP_CLIENT_SECRET": CLIENT_SECRET,
        "OP_REDIRECT_URIS": ",".join(redirect_uris),
        "OP_POST_LOGOUT_REDIRECT_URIS": ",".join(post_logout_redirect_uris),
    }
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [node, str(SCRIPT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("ready "):
            raise RuntimeError(f"The identity provider did not start: {line!r}")
        yield line.split()[1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def configure(settings, issuer: str, scopes: str = "openid email profile employee") -> None:
    from django.core.cache import cache

    settings.OIDC_OP_ISSUER = issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SCOPES = scopes
    settings.OIDC_ENABLED = True
    csp = settings.CONTENT_SECURITY_POLICY
    directives = {**csp["DIRECTIVES"], "form-action": ["'self'", issuer]}
    settings.CONTENT_SECURITY_POLICY = {**csp, "DIRECTIVES": directives}
    for name in (
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_OP_TOKEN_ENDPOINT",
        "OIDC_OP_USER_ENDPOINT",
        "OIDC_OP_JWKS_ENDPOINT",
        "OIDC_OP_END_SESSION_ENDPOINT",
    ):
        setattr(settings, name, "")
    cache.clear()


def sign_in_at_provider(authorize_url: str, issuer: str, login: str = "anna.sso") -> str:
    """Walk the provider's login and consent forms as a person would; returns the address the
    provider sends the browser back to (our callback, with code and state)."""
    browser = requests.Session()
    url, method, data = authorize_url, "get", None
    for _step in range(12):
        response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url, method, data = urljoin(url, response.headers["Location"]), "get", None
            if not url.startswith(issuer):
                return url
            continue
        response.raise_for_status()
        action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        assert action, response.text[:500]
        if 'name="login"' in response.text:
            data = {"prompt": "login", "login": login, "password": "any"}
        else:
            data = {"prompt": "consent"}
        url, method = urljoin(url, html.unescape(action.group(1))), "post"
    raise AssertionError("The provider never sent the browser back.")
