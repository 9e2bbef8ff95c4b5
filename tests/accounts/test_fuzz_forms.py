"""Hostile input against every registry form: never a server error, nothing shown unescaped.

Hypothesis posts generated values to each form of the registry, as the people who may use it:
huge texts, control characters and NUL, direction overrides, HTML and SQL, numbers out of every
range, impossible dates, several values for one field, missing fields and unknown ones. Each
field draws from both valid and hostile values, so the services behind a valid form are reached
too. Every answer must be below 500, and no HTML page may contain a posted tag unescaped — not
the answer itself, and not the pages that show what was stored.

Every example is a whole request through the middleware, the view and its template, and a
form page that re-renders the account page costs about 0.1 s on a shared two-core machine. So
the suite's default is about 1 000 examples in about a minute: 20 per staff form and 100 per
public page, which cost a fifth as much. ``FUZZ_SCALE`` in the environment multiplies every
count: ``FUZZ_SCALE=5`` sends about 5 000 (some five minutes), ``FUZZ_SCALE=0.1`` is a smoke
run. The examples are derandomised, so a run is repeatable and CI cannot flake.
"""

from __future__ import annotations

import datetime
import os

import pytest
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from accounts.models import Absence, AccountStatus, Role, SocialAccount
from accounts.visitor_info import standard_visitor_information
from tests.factories import add_role, make_account

pytestmark = pytest.mark.django_db

EXAMPLES_PER_FORM = 20
PUBLIC_WEIGHT = 5  # the public pages are cheap, and the most exposed
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def _settings(weight: float, *, shrink: bool) -> settings:
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])
    return settings(
        max_examples=max(1, round(EXAMPLES_PER_FORM * weight * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        phases=phases,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# A tag no page of ours contains: if it appears unescaped, input reached the page as markup.
TAG = "<x-fz onmouseover=alert(1)>"
RAW = "<x-fz"

CONSTANTS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eadnarapah",
    "Haparanda\u200bstad",
    "\ufeff",
    "\r\n\t",
    TAG,
    f"{TAG}</textarea><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "1; DROP TABLE accounts_socialaccount; --",
    "{{ 7*7 }}{% debug %}",
    "%(name)s %s %d",
    "${jndi:ldap://x/a}",
    "../../../../etc/passwd",
    "-1",
    "0",
    "168",
    "168.05",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999999999",
    "-9223372036854775809",
    "2026-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "99999-01-01",
    "2026-13-01",
    "1999-12-31",
    "2026-07-01T25:61",
    "javascript:alert(1)",
    "mailto:x@y",
    "https://www.facebook.com/",
    "http://localhost/",
    "https://www.facebook.com/" + "a" * 600,
    "https://x.com/" + "\u202e" * 10,
    "haparanda@",
    "@haparanda@mastodon.social",
    "🙂" * 50,
    "å" * 201,
    "x" * 2001,
    "y" * 3001,
]

hostile_text = st.one_of(
    st.sampled_from(CONSTANTS),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x3F), max_size=20),
    st.text(
        alphabet=st.sampled_from("\x00\x01\x1b\x7f\u200b\u200e\u202a\u202e\u2066\ufeff<>&'\""),
        max_size=20,
    ),
    st.builds(lambda text: text + TAG, st.text(max_size=10)),
    st.builds(
        lambda char, n: char * n,
        st.sampled_from(["a", "ö", "<", "9", "\x00", "\u202e", "🙂"]),
        st.integers(150, 5000),
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.just("z" * 100_000),
)


def _field(valid: list) -> st.SearchStrategy:
    """A field's value: valid, hostile, several values at once, or missing (None)."""
    one = hostile_text
    if valid:
        one = st.one_of(st.sampled_from([str(v) for v in valid]), hostile_text)
    return st.one_of(one, one, st.lists(one, min_size=2, max_size=3), st.none())


def form_data(fields: dict[str, list]) -> st.SearchStrategy:
    unknown = st.dictionaries(st.text(min_size=1, max_size=8), hostile_text, max_size=2)
    return st.builds(
        lambda known, extra: {**extra, **{k: v for k, v in known.items() if v is not None}},
        st.fixed_dictionaries({name: _field(valid) for name, valid in fields.items()}),
        unknown,
    )


def _assert_safe(response) -> None:
    assert response.status_code < 500, response.status_code
    if response.get("Content-Type", "").startswith("text/html"):
        assert RAW not in response.content.decode(), "posted markup reached the page unescaped"


def _assert_pages_safe(client, *urls) -> None:
    for url in urls:
        _assert_safe(client.get(url))


class _LeanClient(Client):
    """The test client without its record of every rendered template and context, which on the
    long application form costs more than the request itself. Middleware, views and templates
    run as in any test; an exception a view raises is raised here, so a failure shows its
    traceback rather than a bare 500."""

    def request(self, **request):
        environ = self._base_environ(**request)
        uid = f"fuzz-exception-{id(request)}"
        got_request_exception.connect(self.store_exc_info, dispatch_uid=uid)
        try:
            response = self.handler(environ)
        finally:
            got_request_exception.disconnect(dispatch_uid=uid)
        self.check_exception(response)
        if response.cookies:
            self.cookies.update(response.cookies)
        return response


def _lean(client: Client) -> _LeanClient:
    lean = _LeanClient()
    lean.cookies = client.cookies
    return lean


def _fuzz(
    client,
    method: str,
    url: str,
    fields: dict[str, list],
    *,
    weight: float = 1.0,
    shrink: bool = True,
):
    """Run the examples against one form; fail on the first unsafe answer (shrunk to the
    smallest input that still fails, unless ``shrink`` is off)."""
    lean = _lean(client)

    @_settings(weight, shrink=shrink)
    @given(data=form_data(fields))
    def run(data):
        response = getattr(lean, method)(url, data)
        _assert_safe(response)

    run()


# --- the cast's objects ---------------------------------------------------------------------


def _application_fields(department, people) -> dict[str, list]:
    visitor = standard_visitor_information(SocialAccount(department=department))
    return {
        "department": [department.pk],
        "profile_url": ["https://www.instagram.com/haparandafuzz", "facebook.com/haparandaf"],
        "display_name": ["Haparanda fuzz"],
        "purpose": ["Informera."],
        "audiences": ["Invånare."],
        "goals": ["guide", "dialogue"],
        "plan": ["Ett inlägg i veckan."],
        "tonality": ["Vänlig."],
        "answers": ["Frågor."],
        "does_not_answer": ["Personuppgifter."],
        "hours_per_week": ["2", "0", "167.5"],
        "public_contact": ["fuzz@haparanda.se"],
        "starts_on": ["2026-01-01"],
        "ends_on": ["2026-12-31"],
        **{name: [text] for name, text in visitor.items()},
        "credentials_location": ["Lösenordshanteraren."],
        "credentials_access": ["Ägaren."],
        "fill_standard": [],
        **people,
    }


@pytest.fixture
def cast(owner, deputy, manager, other_manager, administrator, outsider, department):
    return {
        "owner": owner,
        "deputy": deputy,
        "manager": manager,
        "other_manager": other_manager,
        "administrator": administrator,
        "outsider": outsider,
        "department": department,
    }


def _pks(*users) -> list:
    return [u.pk for u in users]


# --- the application --------------------------------------------------------------------------


def test_new_application(owner_client, cast):
    people = _pks(cast["owner"], cast["deputy"], cast["administrator"], cast["manager"])
    fields = _application_fields(
        cast["department"],
        dict.fromkeys(
            (
                "owner",
                "owner_manager",
                "deputy",
                "deputy_manager",
                "administrator",
                "administrator_manager",
            ),
            people,
        ),
    )
    _fuzz(owner_client, "post", reverse("accounts:application_create"), fields)
    _assert_pages_safe(
        owner_client,
        reverse("accounts:dashboard"),
        *(a.get_absolute_url() for a in SocialAccount.objects.all()[:20]),
    )


def test_editing_a_draft(owner_client, draft_account, cast):
    fields = _application_fields(cast["department"], {})
    _fuzz(owner_client, "post", reverse("accounts:account_edit", args=[draft_account.pk]), fields)
    _assert_pages_safe(owner_client, draft_account.get_absolute_url())


def test_editing_an_active_accounts_record(owner_client, active_account, cast):
    fields = _application_fields(cast["department"], {})
    for name in ("profile_url", "credentials_location", "credentials_access"):
        del fields[name]
    fields["comment"] = ["Uppdaterat."]
    url = reverse("accounts:account_edit", args=[active_account.pk])
    _fuzz(owner_client, "post", url, fields)
    _assert_pages_safe(
        owner_client,
        active_account.get_absolute_url(),
        reverse("public:account_detail", args=[active_account.pk]),
        reverse("public:account_list"),
    )


def test_naming_people_on_a_draft(owner_client, draft_account, cast):
    people = _pks(cast["owner"], cast["deputy"], cast["administrator"], cast["manager"])
    pk = draft_account.pk
    _fuzz(
        owner_client,
        "post",
        reverse("accounts:application_set_owner", args=[pk]),
        {"owner-user": people, "owner-manager": people},
    )
    _fuzz(
        owner_client,
        "post",
        reverse("accounts:application_add_person", args=[pk]),
        {
            "person-role": [Role.DEPUTY, Role.ADMINISTRATOR, Role.OWNER],
            "person-user": people,
            "person-manager": people,
        },
    )
    _fuzz(owner_client, "post", reverse("accounts:application_submit", args=[pk]), {})
    _assert_pages_safe(owner_client, draft_account.get_absolute_url())


# --- the manager's assignment and the communicator's decision ---------------------------------


def test_the_managers_confirmation_and_decline(manager_client, submitted_account):
    role = submitted_account.roles.get(role=Role.OWNER)
    _fuzz(
        manager_client,
        "post",
        reverse("accounts:assignment", args=[role.pk]),
        {
            "confirm": ["1"],
            "decline": ["1"],
            "confirm-reference": ["KS 2026/1"],
            "confirm-comment": ["Bekräftat."],
            "decline-reason": ["Saknar tid."],
        },
    )
    _assert_pages_safe(manager_client, reverse("accounts:dashboard"))


def test_the_communicators_decision(communicator_client, submitted_account):
    submitted_account.roles.update(assignment_status="confirmed")
    _fuzz(
        communicator_client,
        "post",
        reverse("accounts:account_decide", args=[submitted_account.pk]),
        {
            "decision": ["approve", "reject", "request_changes"],
            "decision-comment": ["Uppfyller riktlinjerna."],
        },
    )
    _assert_pages_safe(communicator_client, submitted_account.get_absolute_url())


# --- an active account's people, record and closing -------------------------------------------


def test_an_active_accounts_people(communicator_client, active_account, cast):
    people = _pks(cast["outsider"], cast["deputy"], cast["administrator"], cast["manager"])
    pk = active_account.pk
    for prefix, name in (
        ("appoint", "role_appoint_administrator"),
        ("deputy", "role_add_deputy"),
        ("newowner", "account_change_owner"),
    ):
        _fuzz(
            communicator_client,
            "post",
            reverse(f"accounts:{name}", args=[pk]),
            {
                f"{prefix}-user": people,
                f"{prefix}-manager": people,
                f"{prefix}-comment": ["Beslutat."],
            },
        )
    _assert_pages_safe(communicator_client, active_account.get_absolute_url())


def test_ending_a_role(owner_client, active_account, cast):
    # A second administrator, so that a valid example may end one and the form is still there.
    role = add_role(active_account, cast["outsider"], Role.ADMINISTRATOR, manager=cast["manager"])
    url = reverse("accounts:role_end", args=[active_account.pk, role.pk])
    _fuzz(owner_client, "post", url, {f"end{role.pk}-comment": ["Slutat."]})
    _assert_pages_safe(owner_client, active_account.get_absolute_url())


def test_credential_custody(owner_client, active_account):
    _fuzz(
        owner_client,
        "post",
        reverse("accounts:credentials_update", args=[active_account.pk]),
        {
            "cred-credentials_location": ["I valvet Kultur."],
            "cred-credentials_access": ["Ägaren och ersättaren."],
        },
    )
    _assert_pages_safe(owner_client, active_account.get_absolute_url())


def test_closing(owner_client, owner, department):
    # Valid reasons close the account; the examples after that are refused as the wrong status.
    account = make_account(created_by=owner, department=department, status=AccountStatus.ACTIVE)
    _fuzz(
        owner_client,
        "post",
        reverse("accounts:account_close", args=[account.pk]),
        {"close-comment": ["Projektet är slut."]},
    )


# --- absences ---------------------------------------------------------------------------------


def test_registering_absences(manager_client, cast):
    _fuzz(
        manager_client,
        "post",
        reverse("accounts:absences"),
        {
            "user": _pks(cast["owner"], cast["manager"], cast["outsider"]),
            "starts_on": ["2026-12-01"],
            "ends_on": ["2026-12-24"],
            "note": ["Semester."],
        },
    )
    _assert_pages_safe(manager_client, reverse("accounts:absences"))


def test_changing_an_absence(owner_client, owner, active_account):
    today = datetime.date.today()
    absence = Absence.objects.create(
        user=owner,
        starts_on=today - datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=30),
        registered_by=owner,
    )
    _fuzz(
        owner_client,
        "post",
        reverse("accounts:absence_change", args=[absence.pk]),
        {
            "end": ["1"],
            "end-comment": ["Tillbaka."],
            "change-starts_on": [today.isoformat()],
            "change-ends_on": [(today + datetime.timedelta(days=5)).isoformat()],
            "change-comment": ["Rättat."],
        },
    )
    _assert_pages_safe(
        owner_client, reverse("accounts:absences"), active_account.get_absolute_url()
    )


# --- the public lookup and filters ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "account_list",
        "account_list_json",
        "account_list_csv",
        "account_list_csv_excel",
        "account_list_embed",
    ],
)
def test_the_public_filters(anonymous_client, active_account, department, name):
    _fuzz(
        anonymous_client,
        "get",
        reverse(f"public:{name}"),
        {"department": [department.slug], "platform": ["instagram", "facebook"]},
        weight=PUBLIC_WEIGHT,
    )


@pytest.mark.parametrize("name", ["verify", "verify_json"])
def test_the_public_lookup(anonymous_client, active_account, name):
    _fuzz(
        anonymous_client,
        "get",
        reverse(f"public:{name}"),
        {"url": [active_account.url, "instagram.com/haparandakultur", "@haparanda"]},
        weight=PUBLIC_WEIGHT,
    )


def test_the_harness_reports_a_server_error(owner_client, active_account, monkeypatch):
    """The fuzzing above can fail: a view that breaks on some input is reported, not hidden."""
    from accounts import services

    def broken(**kwargs):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(services, "credentials_update", broken)
    with pytest.raises(RuntimeError, match="broken on purpose"):
        _fuzz(
            owner_client,
            "post",
            reverse("accounts:credentials_update", args=[active_account.pk]),
            {
                "cred-credentials_location": ["I valvet Kultur."],
                "cred-credentials_access": ["Ägaren och ersättaren."],
            },
            weight=0.5,
            shrink=False,
        )
