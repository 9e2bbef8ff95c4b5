"""Two factors for local sign-in (issue 12): one-time codes, recovery codes, passkeys, who must
use them, the single sign-on's amr/acr rule, the communicator's recorded reset, and every change
of factors ending the person's other sessions."""

from binascii import unhexlify
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from signin.models import FactorReset, SignInEvent, UserSession
from tests.test_least_privilege import STAFF_URLS

PASSWORD = "correct-horse-battery"
VERIFY = reverse("signin:two_factor_verify")
ENROL = reverse("signin:two_factor_enrol")
DASHBOARD = reverse("accounts:dashboard")
START = datetime(2026, 11, 30, 9, 0, 5, tzinfo=UTC)


def _password(user, agent="Firefox på kontoret") -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def _app(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)


def _code(device: TOTPDevice, *, steps_back: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = totp.time - steps_back * device.step
    return f"{totp.token():06d}"


def _reaches_dashboard(client) -> bool:
    return client.get(DASHBOARD).status_code == 200


# --- Who must give two factors -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["communicator", "owner", "deputy", "administrator"])
def test_a_person_who_must_have_two_factors_but_has_none_is_sent_to_enrol(
    request, active_account, who
):
    person = request.getfixturevalue(who)
    client = _password(person)

    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith(ENROL + "?next=")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "<svg" in page.content.decode() and "Lägg till en andra faktor" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "outsider"])
def test_a_person_without_such_a_role_needs_only_the_password(request, active_account, who):
    client = _password(request.getfixturevalue(who))
    assert _reaches_dashboard(client)


@pytest.mark.django_db
def test_two_factors_can_be_turned_off(settings, active_account, owner):
    settings.TWO_FACTOR_REQUIRED = False
    assert _reaches_dashboard(_password(owner))


@pytest.mark.django_db
def test_a_person_with_a_factor_is_asked_for_it_whatever_their_role(outsider):
    _app(outsider)
    response = _password(outsider).get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next={DASHBOARD.replace('/', '%2F')}"


@pytest.mark.django_db
def test_every_staff_page_refuses_a_half_signed_in_person(communicator):
    _app(communicator)
    client = _password(communicator)
    open_paths = {VERIFY, ENROL}
    for path in STAFF_URLS:
        if path in open_paths:
            continue
        response = client.get(path)
        assert response.status_code in (302, 403, 404, 405), (path, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(VERIFY), (path, response["Location"])
        assert client.post(path).status_code in (403, 404, 405), path
    assert client.get(reverse("admin:index")).status_code == 302


# --- One-time codes ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_enrolling_an_app_needs_a_right_code_from_it(communicator):
    client = _password(communicator)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=communicator, confirmed=False)

    wrong = client.post(ENROL, {"device": device.pk, "code": "000000"})
    assert wrong.status_code == 400
    assert "Koden stämde inte" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not _reaches_dashboard(client)

    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        right = client.post(ENROL, {"device": device.pk, "code": _code(device)})
        assert right.status_code == 302
        assert _reaches_dashboard(client)
    device.refresh_from_db()
    assert device.confirmed
    assert SignInEvent.objects.filter(user=communicator, kind="factor_added").exists()


@pytest.mark.django_db
def test_a_malformed_enrolment_form_changes_nothing(communicator):
    client = _password(communicator)
    client.get(ENROL)
    for data in ({"device": "x' OR 1=1", "code": "123456"}, {"device": "", "code": ""}):
        response = client.post(ENROL, data)
        assert response.status_code == 302
        assert response["Location"] == ENROL
    assert not TOTPDevice.objects.filter(user=communicator, confirmed=True).exists()


@pytest.mark.django_db
def test_the_right_code_lets_the_person_in_and_back_to_the_page_asked_for(communicator):
    device = _app(communicator)
    client = _password(communicator)
    target = reverse("signin:factors")

    response = client.post(f"{VERIFY}?next={target}", {"code": _code(device)})

    assert response.status_code == 302 and response["Location"] == target
    assert _reaches_dashboard(client)
    assert SignInEvent.objects.filter(user=communicator, kind="second_factor").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["000000", "12345", "abc", "<script>", " " * 3, "9" * 20])
def test_a_wrong_code_is_refused_with_a_clear_message(communicator, code):
    _app(communicator)
    client = _password(communicator)

    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 400
    assert "<script>" not in response.content.decode()
    assert not _reaches_dashboard(client)


@pytest.mark.django_db
def test_a_code_works_once(communicator):
    device = _app(communicator)
    with time_machine.travel(START, tick=False):
        code = _code(device)
        first = _password(communicator, agent="Telefon")
        assert first.post(VERIFY, {"code": code}).status_code == 302
        second = _password(communicator, agent="Dator")

        replayed = second.post(VERIFY, {"code": code})

        assert replayed.status_code == 400
        assert "redan använd" in replayed.content.decode()
        assert not _reaches_dashboard(second)


@pytest.mark.django_db
def test_a_clock_one_step_off_is_accepted_two_steps_is_not(communicator):
    device = _app(communicator)
    with time_machine.travel(START, tick=False):
        late_by_one = _code(device, steps_back=1)
        late_by_two = _code(device, steps_back=2)
        client = _password(communicator)
        assert client.post(VERIFY, {"code": late_by_two}).status_code == 400
    # A failure makes the next try wait a second (django-otp's throttling).
    with time_machine.travel(START + timedelta(seconds=2), tick=False):
        assert client.post(VERIFY, {"code": late_by_one}).status_code == 302
    device.refresh_from_db()
    assert device.drift == -1


@pytest.mark.django_db
def test_after_a_wrong_code_even_the_right_one_waits(communicator):
    device = _app(communicator)
    with time_machine.travel(START, tick=False):
        client = _password(communicator)
        assert client.post(VERIFY, {"code": "000000"}).status_code == 400
        assert client.post(VERIFY, {"code": _code(device)}).status_code == 400


# --- Recovery codes ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_recovery_codes_work_once_each(communicator_client, communicator):
    page = communicator_client.post(reverse("signin:two_factor_recovery_codes"))
    codes = page.context["codes"]
    assert len(codes) == 10 and all(code in page.content.decode() for code in codes)

    client = _password(communicator)
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    assert _reaches_dashboard(client)

    again = _password(communicator)
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        assert again.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert StaticDevice.objects.get(user=communicator).token_set.count() == 9


@pytest.mark.django_db
def test_new_recovery_codes_replace_the_old_ones(communicator_client, communicator):
    old = communicator_client.post(reverse("signin:two_factor_recovery_codes")).context["codes"]
    new = communicator_client.post(reverse("signin:two_factor_recovery_codes")).context["codes"]
    tokens = set(StaticDevice.objects.get(user=communicator).token_set.values_list("token", flat=1))
    assert tokens == set(new) and not tokens & set(old)


# --- Changing factors ends the other sessions ---------------------------------------------------


def _other_session(user) -> Client:
    device = _app(user)
    other = _password(user, agent="Chromium i mobilen")
    with time_machine.travel(timezone.now() - timedelta(minutes=5)):
        assert other.post(VERIFY, {"code": _code(device)}).status_code == 302
    assert _reaches_dashboard(other)
    return other


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["recovery_codes", "remove_app", "add_app"])
def test_changing_factors_ends_the_other_sessions(communicator_client, communicator, change):
    other = _other_session(communicator)
    if change == "recovery_codes":
        communicator_client.post(reverse("signin:two_factor_recovery_codes"))
    elif change == "remove_app":
        device = TOTPDevice.objects.get(user=communicator, name="Telefon")
        response = communicator_client.post(
            reverse("signin:factor_remove", args=["app", device.pk])
        )
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    else:
        communicator_client.get(ENROL)
        device = TOTPDevice.objects.get(user=communicator, confirmed=False)
        assert (
            communicator_client.post(ENROL, {"device": device.pk, "code": _code(device)})
        ).status_code == 302

    assert not _reaches_dashboard(other)
    assert _reaches_dashboard(communicator_client)
    assert (
        UserSession.objects.filter(user=communicator, user_agent="Chromium i mobilen").count() == 0
    )


@pytest.mark.django_db
def test_removing_the_factor_this_session_used_asks_for_another(communicator):
    device = _app(communicator)
    client = _password(communicator)
    assert client.post(VERIFY, {"code": _code(device)}).status_code == 302

    client.post(reverse("signin:factor_remove", args=["app", device.pk]))

    assert client.get(DASHBOARD)["Location"].startswith(ENROL)


@pytest.mark.django_db
def test_nobody_removes_someone_elses_factor(owner_client, communicator):
    device = _app(communicator)
    response = owner_client.post(reverse("signin:factor_remove", args=["app", device.pk]))
    assert response.status_code == 404
    assert owner_client.post(reverse("signin:factor_remove", args=["x", 1])).status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


# --- The communicator's reset -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_communicator_resets_a_persons_factors_as_a_recorded_decision(
    communicator_client, communicator, owner, active_account
):
    device = _app(owner)
    owners_session = _password(owner)
    assert owners_session.post(VERIFY, {"code": _code(device)}).status_code == 302
    find = communicator_client.get(reverse("signin:factors_reset_find"), {"who": owner.email})
    assert find["Location"] == reverse("signin:factors_reset", args=[owner.pk])

    response = communicator_client.post(
        find["Location"], {"reason": "Telefonen stulen <b>i går</b>"}, follow=True
    )

    assert response.status_code == 200
    decision = FactorReset.objects.get()
    assert (decision.person, decision.actor) == (owner, communicator)
    assert decision.reason == "Telefonen stulen <b>i går</b>"
    assert decision.removed == {"TOTPDevice": 1}
    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert not _reaches_dashboard(owners_session)
    assert not UserSession.objects.filter(user=owner).exists()
    # At the next sign-in the owner enrols again.
    assert _password(owner).get(DASHBOARD)["Location"].startswith(ENROL)
    page = communicator_client.get(reverse("signin:factors_reset", args=[owner.pk]))
    assert "Telefonen stulen &lt;b&gt;i går&lt;/b&gt;" in page.content.decode()
    with pytest.raises(TypeError):
        decision.save()


@pytest.mark.django_db
def test_a_reset_without_a_reason_changes_nothing(communicator_client, owner):
    device = _app(owner)
    response = communicator_client.post(
        reverse("signin:factors_reset", args=[owner.pk]), {"reason": "   "}
    )
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(pk=device.pk).exists() and not FactorReset.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["owner_client", "manager_client", "outsider_client"])
def test_only_the_communicator_resets_factors(request, who, communicator):
    client = request.getfixturevalue(who)
    device = _app(communicator)
    url = reverse("signin:factors_reset", args=[communicator.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "Jag vill"}).status_code == 404
    assert client.get(reverse("signin:factors_reset_find")).status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists() and not FactorReset.objects.exists()


@pytest.mark.django_db
def test_the_communicator_does_not_reset_their_own(communicator_client, communicator):
    url = reverse("signin:factors_reset", args=[communicator.pk])
    assert communicator_client.post(url, {"reason": "Egen"}).status_code == 404


@pytest.mark.django_db
def test_an_unknown_person_is_reported(communicator_client):
    response = communicator_client.get(reverse("signin:factors_reset_find"), {"who": "ingen"})
    assert response.status_code == 200
    assert "Ingen här har det användarnamnet" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_change_a_reset(communicator, owner):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger guards PostgreSQL, the production database")
    FactorReset.objects.create(person=owner, actor=communicator, reason="Tappad telefon")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE signin_factorreset SET reason = 'ändrad'")


# --- Single sign-on: the provider's amr/acr -------------------------------------------------------


def _sso(client, issuer):
    from .provider import sign_in_at_provider

    response = client.get(reverse("oidc_login"))
    back = sign_in_at_provider(response["Location"], issuer)
    parts = urlsplit(back)
    assert parse_qs(parts.query).get("code")
    return client.get(f"{parts.path}?{parts.query}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amr", "acr", "counts"),
    [
        (["mfa"], [], True),
        (["hwk", "otp"], [], False),
        (["mfa"], ["urn:haparanda:mfa"], True),
        ([], [], False),
    ],
)
def test_a_single_sign_on_counts_as_two_factors_when_its_claims_say_so(
    oidc_provider, settings, department, amr, acr, counts
):
    from tests.factories import make_user

    make_user("anna.sso", is_communicator=True, department=department, employee_id="E1001")
    settings.OIDC_TWO_FACTOR_AMR = amr
    settings.OIDC_TWO_FACTOR_ACR = acr
    client = Client()

    assert _sso(client, oidc_provider).status_code == 302

    event = SignInEvent.objects.get(kind="signed_in")
    assert event.two_factors is counts, (event.amr, event.acr)
    response = client.get(DASHBOARD)
    if counts:
        assert response.status_code == 200
    else:
        assert response["Location"].startswith(ENROL)


@pytest.mark.parametrize(
    ("amr", "acr", "counts"),
    [
        (["pwd", "mfa"], "", True),  # Entra ID: amr holds "mfa" after a second factor
        (["pwd"], "", False),
        ("mfa", "", True),
        (["pwd"], "urn:haparanda:mfa", True),
        (["pwd"], "urn:haparanda:pwd", False),
        (None, "", False),
    ],
)
def test_the_amr_and_acr_values_that_count_are_configured(settings, amr, acr, counts):
    from signin.services import counts_as_two_factors

    settings.OIDC_TWO_FACTOR_AMR = ["mfa", "hwk"]
    settings.OIDC_TWO_FACTOR_ACR = ["urn:haparanda:mfa"]
    assert counts_as_two_factors(amr=amr, acr=acr) is counts


# --- Passkeys: bad input and outsiders ----------------------------------------------------------

PASSKEY_URLS = [
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PASSKEY_URLS)
def test_anonymous_visitors_get_no_passkey_ceremony(anonymous_client, name):
    response = anonymous_client.post(reverse(name), "{}", content_type="application/json")
    assert response.status_code in (401, 403)
    assert not WebAuthnCredential.objects.exists()


@pytest.mark.django_db
def test_a_half_signed_in_person_with_factors_cannot_add_a_passkey(communicator):
    _app(communicator)
    client = _password(communicator)
    response = client.post(
        reverse("otp_webauthn:credential-registration-begin"), content_type="application/json"
    )
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "{}",
        '{"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}',
        '{"id": "<script>", "response": {"clientDataJSON": "!!", "attestationObject": 5}}',
    ],
)
def test_a_malformed_passkey_answer_is_refused_and_changes_nothing(communicator, body):
    client = _password(communicator)
    begin = client.post(
        reverse("otp_webauthn:credential-registration-begin"), content_type="application/json"
    )
    assert begin.status_code == 200 and begin.json()["challenge"]

    response = client.post(
        reverse("otp_webauthn:credential-registration-complete"),
        body,
        content_type="application/json",
    )

    assert 400 <= response.status_code < 500
    assert not WebAuthnCredential.objects.exists()
    assert not _reaches_dashboard(client)

    _app(communicator)
    auth_begin = client.post(
        reverse("otp_webauthn:credential-authentication-begin"), content_type="application/json"
    )
    assert auth_begin.status_code == 200
    auth = client.post(
        reverse("otp_webauthn:credential-authentication-complete"),
        body,
        content_type="application/json",
    )
    assert 400 <= auth.status_code < 500
    assert not _reaches_dashboard(client)


# --- The gate's details -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_role_given_during_the_day_is_noticed_within_minutes(
    owner, manager, department, communicator
):
    from accounts.models import Role
    from tests.factories import add_role, make_account

    client = _password(owner)
    assert _reaches_dashboard(client)
    account = make_account(created_by=owner, department=department, display_name="Biblioteket")
    add_role(account, owner, Role.OWNER, manager=manager)
    assert _reaches_dashboard(client)  # asked again at most five minutes later

    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


@pytest.mark.django_db
def test_a_form_post_or_htmx_request_of_a_half_signed_in_person_is_refused(communicator):
    client = _password(communicator)
    assert client.post(reverse("signin:sessions_end_others")).status_code == 403
    assert client.get(DASHBOARD, HTTP_HX_REQUEST="true").status_code == 403
    assert UserSession.objects.filter(user=communicator).exists()


@pytest.mark.django_db
def test_the_public_pages_stay_open_during_the_second_step(communicator):
    client = _password(communicator)
    assert client.get(reverse("public:account_list")).status_code == 200
    assert client.get(VERIFY).status_code == 302  # no factor yet: to enrolment
    assert client.get(ENROL).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("demo_mode", [True, False])
def test_only_the_demo_shows_the_demo_users_code(settings, communicator, demo_mode):
    from accounts.demo import DEMO_DEVICE_NAME, DEMO_TOTP_KEY

    settings.DEMO_MODE = demo_mode
    device = TOTPDevice.objects.create(
        user=communicator, name=DEMO_DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True
    )
    client = _password(communicator)
    with time_machine.travel(timezone.now(), tick=False):
        page = client.get(VERIFY).content.decode()
        code = _code(device)
    assert (f'<code id="demo-code">{code}</code>' in page) is demo_mode
    assert ("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" in page) is demo_mode
    assert unhexlify(DEMO_TOTP_KEY) == device.bin_key


@pytest.mark.django_db
def test_the_enrolment_qr_code_is_drawn_on_the_page(communicator):
    page = _password(communicator).get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=communicator, confirmed=False)
    assert "<svg" in page and "<img" not in page
    assert page.count("otpauth://") == 0  # the secret is in the drawing and the key text only
    from base64 import b32encode

    assert b32encode(device.bin_key).decode() in page


@pytest.mark.django_db
def test_a_password_sign_in_does_not_inherit_an_earlier_second_factor(communicator):
    device = _app(communicator)
    client = _password(communicator)
    assert client.post(VERIFY, {"code": _code(device)}).status_code == 302
    assert _reaches_dashboard(client)

    client.post(reverse("login"), {"username": communicator.username, "password": PASSWORD})

    assert client.get(DASHBOARD)["Location"].startswith(VERIFY)


@pytest.mark.django_db
def test_the_service_refuses_a_reset_by_anyone_but_the_communicator(owner, outsider):
    from django.core.exceptions import PermissionDenied

    from signin.two_factor import factors_reset

    device = _app(outsider)
    with pytest.raises(PermissionDenied):
        factors_reset(actor=owner, person=outsider, reason="Jag vill")
    assert TOTPDevice.objects.filter(pk=device.pk).exists() and not FactorReset.objects.exists()


@pytest.mark.django_db
def test_earlier_resets_are_listed_a_page_at_a_time(
    communicator_client, communicator, owner, django_assert_max_num_queries
):
    for n in range(55):
        FactorReset.objects.create(person=owner, actor=communicator, reason=f"Skäl {n}")
    url = reverse("signin:factors_reset", args=[owner.pk])
    with django_assert_max_num_queries(12):
        page = communicator_client.get(url).content.decode()
    assert "Visar 1–50 av 55" in page and "Skäl 54" in page and "Skäl 4<" not in page
    assert "Skäl 0" in communicator_client.get(url, {"sida": 2}).content.decode()
