"""The lockout behind a reverse proxy counts the client's real address, not the proxy's, and not
whatever a client writes into X-Forwarded-For itself."""

import pytest
from django.test import Client
from django.urls import reverse

PROXY = "10.0.0.1"
ATTACKER = "203.0.113.66"
COLLEAGUE = "198.51.100.7"
PASSWORD = "correct-horse-battery"


def _post(client, user, password, forwarded):
    return client.post(
        reverse("login"),
        {"username": user.username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def _lock_out_from_attacker(client, user, settings, forged):
    # The proxy appends the address it was connected from: the attacker's real one.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _post(client, user, "wrong", f"{forged}, {ATTACKER}")
    assert response.status_code == 429


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.mark.django_db
def test_a_forged_address_does_not_lock_out_the_colleague_it_names(
    behind_one_proxy, communicator, settings
):
    _lock_out_from_attacker(Client(), communicator, settings, forged=COLLEAGUE)

    response = _post(Client(), communicator, PASSWORD, COLLEAGUE)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")


@pytest.mark.django_db
def test_a_forged_address_does_not_lift_the_attackers_lock(
    behind_one_proxy, communicator, settings
):
    attacker = Client()
    _lock_out_from_attacker(attacker, communicator, settings, forged="192.0.2.1")

    for forged in ("192.0.2.99", COLLEAGUE, "not-an-address"):
        response = _post(attacker, communicator, PASSWORD, f"{forged}, {ATTACKER}")
        assert response.status_code == 429
    assert "_auth_user_id" not in attacker.session


@pytest.mark.django_db
def test_all_clients_behind_the_proxy_are_not_locked_out_together(
    behind_one_proxy, communicator, settings
):
    # Without reading the forwarded address, every client would share the proxy's address.
    _lock_out_from_attacker(Client(), communicator, settings, forged="")

    response = _post(Client(), communicator, PASSWORD, COLLEAGUE)

    assert response.status_code == 302


@pytest.mark.django_db
def test_without_a_proxy_the_forwarded_header_is_ignored(communicator, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = attacker.post(
            reverse("login"),
            {"username": communicator.username, "password": "wrong"},
            HTTP_X_FORWARDED_FOR=COLLEAGUE,
        )
    assert response.status_code == 429

    # Claiming to be another address through the header does not help the attacker ...
    response = attacker.post(
        reverse("login"),
        {"username": communicator.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.50",
    )
    assert response.status_code == 429
    # ... and the colleague the header named is not locked out.
    response = Client(REMOTE_ADDR=COLLEAGUE).post(
        reverse("login"), {"username": communicator.username, "password": PASSWORD}
    )
    assert response.status_code == 302
