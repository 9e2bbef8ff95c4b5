"""Hardened registry input and the pages added for issue #13: who learns of a taken address,
the limits on what an anmälan may hold, absences ended early or corrected, the Excel list,
the accessibility statement, the Permissions-Policy header and an over-long lookup."""

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import Absence, AccountStatus, DecisionKind, SocialAccount, User
from accounts.services import DETAIL_FIELDS
from accounts.validators import length_message

from .test_views import _application_post

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 29)


def _html(response) -> str:
    return response.content.decode()


# --- the duplicate message --------------------------------------------------------------------


def test_an_outsider_is_not_told_which_application_holds_an_address(
    outsider_client, outsider, owner, deputy, department, submitted_account
):
    # The outsider's manager in the staff directory, so that the form itself is in order.
    User.objects.filter(pk=outsider.pk).update(manager=owner)
    post = _application_post(
        department,
        outsider,
        deputy,
        profile_url="https://www.facebook.com/haparandabibliotek",
    )
    response = outsider_client.post(reverse("accounts:application_create"), post)
    assert response.status_code == 200
    html = _html(response)
    assert submitted_account.display_name not in html
    assert str(AccountStatus.SUBMITTED.label).lower() not in html
    assert "already registered or applied for" in html or "redan registrerad eller anmäld" in html
    assert SocialAccount.objects.count() == 1


def test_the_applicant_who_may_see_the_holder_is_told_its_name(
    owner_client, owner, deputy, department, submitted_account
):
    post = _application_post(
        department, owner, deputy, profile_url="https://www.facebook.com/haparandabibliotek"
    )
    response = owner_client.post(reverse("accounts:application_create"), post)
    assert submitted_account.display_name in _html(response)


# --- validation of the anmälan ----------------------------------------------------------------


def _create(client, department, owner, deputy, **overrides):
    return client.post(
        reverse("accounts:application_create"),
        _application_post(department, owner, deputy, **overrides),
    )


def _field_error(html: str, field: str) -> bool:
    return f'id="id_{field}_error"' in html


@pytest.mark.parametrize("hours", ["-1", "168.5", "500"])
def test_hours_per_week_outside_a_week_are_refused(owner_client, owner, deputy, department, hours):
    response = _create(owner_client, department, owner, deputy, hours_per_week=hours)
    assert response.status_code == 200
    html = _html(response)
    assert _field_error(html, "hours_per_week")
    assert _("Give the hours per week as a number from 0 to %(max)s.") % {"max": 168} in html
    assert SocialAccount.objects.count() == 0


def test_a_full_week_of_hours_is_accepted(owner_client, owner, deputy, department):
    response = _create(owner_client, department, owner, deputy, hours_per_week="168")
    assert response.status_code == 302
    assert SocialAccount.objects.get().hours_per_week == 168


@time_machine.travel(datetime.datetime(2026, 11, 29, 12, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize(
    ("field", "value"),
    [("starts_on", "1999-12-31"), ("starts_on", "2036-11-30"), ("ends_on", "9999-01-01")],
)
def test_dates_outside_a_sensible_range_are_refused(
    owner_client, owner, deputy, department, field, value
):
    response = _create(owner_client, department, owner, deputy, **{field: value})
    assert response.status_code == 200
    html = _html(response)
    assert _field_error(html, field)
    assert "2000-01-01" in html and "2036-11-29" in html
    assert SocialAccount.objects.count() == 0


def test_an_end_date_before_the_start_is_reported_on_the_end_date(
    owner_client, owner, deputy, department
):
    response = _create(
        owner_client, department, owner, deputy, starts_on="2026-06-01", ends_on="2026-05-01"
    )
    assert response.status_code == 200
    html = _html(response)
    assert _field_error(html, "ends_on")
    assert html.count(_("The end date cannot be before the start date.")) == 2  # summary + field
    assert SocialAccount.objects.count() == 0


def test_a_too_long_published_text_is_refused_naming_the_field(
    owner_client, owner, deputy, department
):
    response = _create(owner_client, department, owner, deputy, purpose="x" * 2001)
    assert response.status_code == 200
    html = _html(response)
    assert _field_error(html, "purpose")
    label = capfirst(SocialAccount._meta.get_field("purpose").verbose_name)
    message = length_message(label) % {"limit_value": 2000, "show_value": 2001}
    assert message in html
    assert SocialAccount.objects.count() == 0


def test_a_too_long_visitor_text_is_refused(owner_client, owner, deputy, department):
    response = _create(owner_client, department, owner, deputy, visitor_contact="å" * 3001)
    assert _field_error(_html(response), "visitor_contact")
    assert SocialAccount.objects.count() == 0


@pytest.mark.parametrize(
    "name",
    ["\u202eadnarapah", "Haparanda\u200bbibliotek", "Hapa\u2066randa", "Bib\u00adliotek", "A\x07"],
)
def test_invisible_characters_are_refused_in_a_public_name(
    owner_client, owner, deputy, department, name
):
    response = _create(owner_client, department, owner, deputy, display_name=name)
    assert response.status_code == 200
    assert _field_error(_html(response), "display_name")
    assert SocialAccount.objects.count() == 0


def test_an_active_accounts_record_keeps_the_same_limits(owner_client, active_account):
    url = reverse("accounts:account_edit", args=[active_account.pk])
    fields = [f for f in DETAIL_FIELDS if f not in ("goals", "department")]
    stored = SocialAccount.objects.filter(pk=active_account.pk).values(*fields).get()
    post = {name: ("" if value is None else value) for name, value in stored.items()}
    post["department"] = active_account.department_id
    post.update({"goals": ["guide"], "hours_per_week": "-3", "starts_on": "2026-01-01"})
    response = owner_client.post(url, post)
    assert response.status_code == 200
    assert _field_error(_html(response), "hours_per_week")
    active_account.refresh_from_db()
    assert active_account.hours_per_week != -3


# --- absences ended early or corrected --------------------------------------------------------


@pytest.fixture
def absence(owner, active_account):
    return Absence.objects.create(
        user=owner,
        starts_on=datetime.date(2026, 11, 20),
        ends_on=datetime.date(2026, 12, 20),
        registered_by=owner,
    )


@time_machine.travel(datetime.datetime(2026, 11, 29, 12, tzinfo=datetime.UTC), tick=False)
def test_an_absence_is_ended_early_and_the_change_is_documented(
    owner_client, owner, absence, active_account
):
    url = reverse("accounts:absence_change", args=[absence.pk])
    assert url in _html(owner_client.get(reverse("accounts:absences")))
    response = owner_client.post(url, {"end": "1", "end-comment": "Tillbaka efter sjukdom."})
    assert response.status_code == 302
    absence.refresh_from_db()
    assert absence.ends_on == datetime.date(2026, 11, 28)
    decision = active_account.decisions.get(kind=DecisionKind.ABSENCE_CHANGED)
    assert (decision.actor, decision.comment) == (owner, "Tillbaka efter sjukdom.")
    assert decision.details["previous_ends_on"] == "2026-12-20"
    assert decision.details["ends_on"] == "2026-11-28"
    history = _html(owner_client.get(active_account.get_absolute_url()))
    assert "Tillbaka efter sjukdom." in history and "2026-12-20" in history


@time_machine.travel(datetime.datetime(2026, 11, 29, 12, tzinfo=datetime.UTC), tick=False)
def test_an_absence_is_corrected_with_a_reason(manager_client, absence, active_account):
    url = reverse("accounts:absence_change", args=[absence.pk])
    response = manager_client.post(
        url,
        {
            "change-starts_on": "2026-11-22",
            "change-ends_on": "2026-12-24",
            "change-comment": "Fel datum angivet.",
        },
    )
    assert response.status_code == 302
    absence.refresh_from_db()
    assert (absence.starts_on, absence.ends_on) == (
        datetime.date(2026, 11, 22),
        datetime.date(2026, 12, 24),
    )
    assert active_account.decisions.filter(kind=DecisionKind.ABSENCE_CHANGED).count() == 1


@time_machine.travel(datetime.datetime(2026, 11, 29, 12, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        (
            {"change-starts_on": "2026-12-01", "change-ends_on": "2026-11-01"},
            "change-ends_on",
            "An absence cannot end before it starts.",
        ),
        (
            {"change-starts_on": "2026-11-20", "change-ends_on": "2026-12-20"},
            "change-comment",
            "This field is required.",
        ),
        (
            {"change-starts_on": "1900-01-01", "change-ends_on": "2026-12-20"},
            "change-starts_on",
            None,
        ),
    ],
)
def test_a_bad_correction_changes_nothing(owner_client, absence, post, field, message):
    url = reverse("accounts:absence_change", args=[absence.pk])
    response = owner_client.post(url, post)
    assert response.status_code == 200
    html = _html(response)
    assert f'id="id_{field}_error"' in html
    if message:
        assert _(message) in html
    absence.refresh_from_db()
    assert absence.ends_on == datetime.date(2026, 12, 20)


def test_an_absence_is_ended_only_with_a_reason(owner_client, absence, active_account):
    url = reverse("accounts:absence_change", args=[absence.pk])
    with time_machine.travel(datetime.datetime(2026, 11, 29, 12, tzinfo=datetime.UTC)):
        response = owner_client.post(url, {"end": "1", "end-comment": ""})
    assert response.status_code == 200
    absence.refresh_from_db()
    assert absence.ends_on == datetime.date(2026, 12, 20)
    assert not active_account.decisions.filter(kind=DecisionKind.ABSENCE_CHANGED).exists()


def test_an_outsider_cannot_see_or_change_an_absence(outsider_client, deputy_client, absence):
    url = reverse("accounts:absence_change", args=[absence.pk])
    for client in (outsider_client, deputy_client):
        assert client.get(url).status_code == 404
        response = client.post(url, {"end": "1", "end-comment": "Nej."})
        assert response.status_code == 404
    absence.refresh_from_db()
    assert absence.ends_on == datetime.date(2026, 12, 20)


def test_registering_an_absence_in_a_far_year_is_refused(owner_client):
    response = owner_client.post(
        reverse("accounts:absences"), {"starts_on": "0202-07-01", "ends_on": "2026-07-20"}
    )
    assert response.status_code == 200
    assert 'id="id_starts_on_error"' in _html(response)
    assert not Absence.objects.exists()


def test_the_absence_list_is_paged_with_a_count(
    communicator_client, communicator, owner, django_assert_max_num_queries
):
    Absence.objects.bulk_create(
        Absence(
            user=owner,
            starts_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=i),
            ends_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=i),
            registered_by=communicator,
        )
        for i in range(60)
    )
    # session, user, people for the form, count, one page with its people
    with django_assert_max_num_queries(8):
        html = _html(communicator_client.get(reverse("accounts:absences")))
    assert "60" in html and "?sida=2" in html
    assert html.count('<tr><th scope="row">') == 50


# --- the public list for Excel ----------------------------------------------------------------


def test_the_excel_list_is_semicolon_separated_utf8_with_a_bom(anonymous_client, active_account):
    SocialAccount.objects.filter(pk=active_account.pk).update(display_name="Kultur; Åsa, Öst")
    response = anonymous_client.get(reverse("public:account_list_csv_excel"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "excel" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert not text.startswith("sep=")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = rows[0]
    assert len(header) > 3 and ";" in text.splitlines()[0]
    names = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert any("Kultur; Åsa, Öst" in row.values() for row in names)


def test_the_public_list_links_the_excel_list_with_its_filters(anonymous_client, active_account):
    html = _html(anonymous_client.get(reverse("public:account_list"), {"platform": "instagram"}))
    assert reverse("public:account_list_csv_excel") + "?platform=instagram" in html


# --- the accessibility statement --------------------------------------------------------------


def test_every_public_page_links_the_accessibility_statement(anonymous_client, active_account):
    link = reverse("public:accessibility_statement")
    for url in (
        reverse("public:account_list"),
        reverse("public:account_detail", args=[active_account.pk]),
        reverse("public:verify"),
        reverse("public:account_list_embed"),
        reverse("login"),
    ):
        assert f'href="{link}"' in _html(anonymous_client.get(url)), url


def test_the_accessibility_statement_names_the_standard_the_contact_and_digg(
    anonymous_client, settings
):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "tillganglighet@haparanda.se"
    settings.ACCESSIBILITY_CONTACT_PHONE = "0922-123 45"
    response = anonymous_client.get(reverse("public:accessibility_statement"))
    assert response.status_code == 200
    html = _html(response)
    assert "Tillgänglighetsredogörelse" in html
    assert "WCAG" in html and "2.1" in html and "AA" in html
    assert "2018:1937" in html
    assert 'href="mailto:tillganglighet@haparanda.se"' in html
    assert "0922-123 45" in html
    assert 'href="https://www.digg.se/tdosanmalan"' in html
    assert "Myndigheten för digital förvaltning" in html
    assert "Innehåll som inte är tillgängligt" in html
    assert response["Cache-Control"].startswith("public") or "public" in response["Cache-Control"]


def test_the_accessibility_statement_is_in_english_too(anonymous_client):
    html = _html(anonymous_client.get("/en" + reverse("public:accessibility_statement")))
    assert "Accessibility statement" in html and "digg.se/tdosanmalan" in html


# --- headers and the lookup -------------------------------------------------------------------


def test_every_response_forbids_the_powerful_browser_features(
    anonymous_client, owner_client, active_account
):
    responses = [
        anonymous_client.get(reverse("public:account_list")),
        anonymous_client.get(reverse("public:account_list_json")),
        anonymous_client.get("/finns-inte/"),
        owner_client.get(reverse("accounts:dashboard")),
        anonymous_client.get(reverse("healthz")),
    ]
    for response in responses:
        policy = response["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
            assert feature in policy


@pytest.mark.parametrize("length", [501, 3000, 8000])
def test_a_too_long_lookup_address_gets_the_apps_own_page_in_swedish(anonymous_client, length):
    address = "https://www.facebook.com/" + "a" * length
    response = anonymous_client.get(reverse("public:verify"), {"url": address})
    assert response.status_code == 200
    html = _html(response)
    assert "Adressen är för lång" in html
    assert 'aria-invalid="true"' in html
    assert 'maxlength="500"' in html
    response = anonymous_client.get(reverse("public:verify_json"), {"url": address})
    assert response.status_code == 400
    assert "Adressen är för lång" in response.json()["error"]
