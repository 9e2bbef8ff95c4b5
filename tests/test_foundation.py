"""The ground every page stands on: health, language, lockout and security headers."""

import pytest
from django.urls import reverse


def test_health_endpoint_reaches_the_database(db, anonymous_client):
    response = anonymous_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_pages_are_in_swedish_by_default(db, anonymous_client):
    response = anonymous_client.get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="sv">' in response.content.decode()
    assert "Logga in" in response.content.decode()


def test_english_is_available(db, anonymous_client):
    response = anonymous_client.get("/en/logga-in/")
    assert '<html lang="en">' in response.content.decode()
    assert "Log in" in response.content.decode()


def test_every_page_has_a_strict_content_security_policy(db, anonymous_client):
    response = anonymous_client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.django_db
def test_login_is_locked_after_repeated_failures(anonymous_client, owner, settings):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = anonymous_client.post(url, {"username": owner.username, "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    response = anonymous_client.post(url, {"username": owner.username, "password": "wrong"})
    assert response.status_code == 429
    # Locked: even the right password is refused now.
    response = anonymous_client.post(
        url, {"username": owner.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in anonymous_client.session
    assert "Inloggningen är låst" in response.content.decode()


@pytest.mark.django_db
def test_login_with_the_right_password_reaches_the_registry(anonymous_client, owner):
    response = anonymous_client.post(
        reverse("login"),
        {"username": owner.username, "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
