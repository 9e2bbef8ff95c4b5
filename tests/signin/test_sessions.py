"""Mina inloggningar: a person sees where they are signed in and ends the other sessions."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from signin.models import SignInEvent, UserSession

PASSWORD = "correct-horse-battery"


def _signed_in(user, agent="Firefox på kontoret", address="198.51.100.10"):
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _is_signed_in(client) -> bool:
    return client.get(reverse("accounts:dashboard")).status_code == 200


@pytest.mark.django_db
def test_the_list_shows_each_signed_in_browser(owner, django_assert_max_num_queries):
    _signed_in(owner, agent="Chromium i mobilen", address="198.51.100.20")
    here = _signed_in(owner)

    with django_assert_max_num_queries(8):
        response = here.get(reverse("signin:sessions"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Mina inloggningar" in page
    assert "2 inloggningar" in page
    assert "Chromium i mobilen" in page and "198.51.100.20" in page
    assert "Den här inloggningen" in page


@pytest.mark.django_db
def test_ending_another_session_signs_that_browser_out(owner):
    phone = _signed_in(owner, agent="Chromium i mobilen")
    here = _signed_in(owner)
    other = UserSession.objects.get(user=owner, user_agent="Chromium i mobilen")

    response = here.post(reverse("signin:session_end", args=[other.pk]), follow=True)

    assert "Inloggningen är avslutad." in response.content.decode()
    assert not _is_signed_in(phone)
    assert _is_signed_in(here)
    assert not UserSession.objects.filter(pk=other.pk).exists()
    ended = SignInEvent.objects.get(kind=SignInEvent.Kind.ENDED)
    assert (ended.user, ended.actor) == (owner, owner)


@pytest.mark.django_db
def test_ending_all_others_keeps_the_current_one(owner):
    others = [_signed_in(owner, agent=f"Webbläsare {n}") for n in range(3)]
    here = _signed_in(owner)

    response = here.post(reverse("signin:sessions_end_others"), follow=True)

    assert "Andra inloggningar som avslutades: 3." in response.content.decode()
    assert not any(_is_signed_in(client) for client in others)
    assert _is_signed_in(here)
    assert UserSession.objects.filter(user=owner).count() == 1


@pytest.mark.django_db
def test_the_current_session_is_not_ended_from_the_list(owner):
    here = _signed_in(owner)
    current = UserSession.objects.get(user=owner)

    response = here.post(reverse("signin:session_end", args=[current.pk]), follow=True)

    assert "logga ut i stället" in response.content.decode()
    assert _is_signed_in(here)


@pytest.mark.django_db
def test_an_outsider_cannot_see_or_end_someone_elses_session(owner, outsider):
    victim = _signed_in(owner)
    row = UserSession.objects.get(user=owner)
    intruder = _signed_in(outsider)

    response = intruder.post(reverse("signin:session_end", args=[row.pk]))

    assert response.status_code == 404
    assert _is_signed_in(victim)
    listed = intruder.get(reverse("signin:sessions")).context["user_sessions"]
    assert [s.user for s in listed] == [outsider]


@pytest.mark.django_db
def test_signing_out_removes_the_session_from_the_list(owner):
    phone = _signed_in(owner, agent="Chromium i mobilen")
    here = _signed_in(owner)

    phone.post(reverse("logout"))

    listed = here.get(reverse("signin:sessions")).context["user_sessions"]
    assert [s.user_agent for s in listed] == ["Firefox på kontoret"]
    assert SignInEvent.objects.filter(kind=SignInEvent.Kind.SIGNED_OUT, user=owner).count() == 1


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(anonymous_client):
    response = anonymous_client.get(reverse("signin:sessions"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_session_whose_key_changed_is_not_listed_twice(owner):
    here = _signed_in(owner)
    # Signing in again in the same browser gives the session a new key.
    here.post(reverse("login"), {"username": owner.username, "password": PASSWORD})

    listed = here.get(reverse("signin:sessions")).context["user_sessions"]

    assert len(listed) == 1
    assert listed[0].session_key == here.session.session_key


@pytest.mark.django_db
def test_sign_in_records_are_append_only(owner):
    _signed_in(owner)
    event = SignInEvent.objects.get(user=owner)
    assert event.kind == SignInEvent.Kind.SIGNED_IN and event.method == "password"
    assert str(event.address) == "198.51.100.10"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        SignInEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.django_db
def test_the_database_refuses_to_change_sign_in_records_in_postgresql(owner):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger guards PostgreSQL, the production database")
    _signed_in(owner)
    event = SignInEvent.objects.get(user=owner)
    for sql in (
        "UPDATE signin_signinevent SET reason = 'forged' WHERE id = %s",
        "DELETE FROM signin_signinevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert SignInEvent.objects.get(pk=event.pk).reason == ""
