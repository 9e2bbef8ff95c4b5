"""The registry dashboard and the archive overview kept rendered per person (issue 16,
``accounts.page_cache``): a repeated request is answered from the stored copy, every write that
changes what the pages show appears at once, and nobody reaches another person's copy."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountRole, AccountStatus, Role
from accounts.services import absence_register, assignment_confirm
from archiving.models import SnapshotStatus
from archiving.services import _fail
from moderation.models import ConnectorConfig, ConnectorPlatform
from records.services import request_register
from tests.archiving.factories import pending_snapshot
from tests.factories import add_role, make_account, make_user

DASHBOARD = reverse("accounts:dashboard")
ARCHIVE = reverse("archiving:overview")


@pytest.fixture(autouse=True)
def copies_on(settings):
    # Off by default with the local-memory cache of the tests; one process, so correct here.
    settings.REGISTRY_PAGE_CACHE_SECONDS = 30
    # The clock stands still, so two requests never fall in two time slots by chance.
    with time_machine.travel(timezone.now(), tick=False):
        yield


def served_from_copy(client, url):
    """The answer, and whether it came from the stored copy (the view did not run)."""
    response = client.get(url)
    assert response.status_code == 200
    return response, response.context is None


def page(client, url) -> str:
    return client.get(url).content.decode()


def test_a_repeated_dashboard_is_served_from_the_copy(communicator_client, active_account):
    first, cached = served_from_copy(communicator_client, DASHBOARD)
    assert not cached
    with CaptureQueriesContext(connection) as queries:
        again, cached = served_from_copy(communicator_client, DASHBOARD)
    assert cached
    assert again.content == first.content
    assert len(queries) == 2  # the session and the person
    assert "private" in again["Cache-Control"]


def test_a_repeated_archive_overview_is_served_from_the_copy(communicator_client, active_account):
    pending_snapshot(active_account)
    first, cached = served_from_copy(communicator_client, ARCHIVE)
    assert not cached
    again, cached = served_from_copy(communicator_client, ARCHIVE)
    assert cached
    assert again.content == first.content


@pytest.mark.parametrize("url", [DASHBOARD, ARCHIVE])
def test_a_conditional_request_is_answered_304(communicator_client, active_account, url):
    etag = communicator_client.get(url)["ETag"]
    assert communicator_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    pending_snapshot(active_account)
    assert communicator_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_an_outsider_never_reaches_the_archive_copy(
    communicator_client, outsider_client, active_account
):
    pending_snapshot(active_account)
    communicator_client.get(ARCHIVE)
    assert outsider_client.get(ARCHIVE).status_code == 403
    etag = communicator_client.get(ARCHIVE)["ETag"]
    assert outsider_client.get(ARCHIVE, HTTP_IF_NONE_MATCH=etag).status_code == 403


def test_an_outsider_gets_their_own_dashboard(
    communicator_client, outsider_client, submitted_account
):
    assert "Haparanda bibliotek" in page(communicator_client, DASHBOARD)
    response, cached = served_from_copy(outsider_client, DASHBOARD)
    assert not cached
    assert "Haparanda bibliotek" not in response.content.decode()


def test_the_anonymous_visitor_is_sent_to_sign_in(communicator_client, anonymous_client):
    communicator_client.get(DASHBOARD)
    communicator_client.get(ARCHIVE)
    assert anonymous_client.get(DASHBOARD).status_code == 302
    assert anonymous_client.get(ARCHIVE).status_code == 302


def test_a_new_application_appears_at_once(communicator_client, owner, department):
    assert "Tornedalens bibliotek" not in page(communicator_client, DASHBOARD)
    make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.SUBMITTED,
        display_name="Tornedalens bibliotek",
    )
    assert "Tornedalens bibliotek" in page(communicator_client, DASHBOARD)


def test_an_assignment_appears_and_goes_at_once(manager_client, manager, active_account):
    newcomer = make_user("nina.ny", department=active_account.department, manager=manager)
    assert "Confirm or decline" not in page(manager_client, DASHBOARD)
    role = add_role(active_account, newcomer, Role.DEPUTY, manager=manager, confirmed=False)
    assert reverse("accounts:assignment", args=[role.pk]) in page(manager_client, DASHBOARD)
    assignment_confirm(role=role, actor=manager, reference="Dnr 2026/1")
    assert reverse("accounts:assignment", args=[role.pk]) not in page(manager_client, DASHBOARD)


def test_a_person_leaving_the_directory_appears_at_once(communicator_client, active_account):
    assert "needing-heading" not in page(communicator_client, DASHBOARD)
    role = AccountRole.objects.filter(account=active_account, role=Role.DEPUTY).get()
    role.user.is_active = False
    role.user.save(update_fields=["is_active"])
    assert "needing-heading" in page(communicator_client, DASHBOARD)


def test_an_absence_raises_the_version(owner_client, owner, active_account):
    # What a deputy covers for follows the absences: no copy from before one is served.
    owner_client.get(DASHBOARD)
    today = timezone.localdate()
    absence_register(user=owner, starts_on=today, ends_on=today + dt.timedelta(days=3), actor=owner)
    _response, cached = served_from_copy(owner_client, DASHBOARD)
    assert not cached


def test_a_request_for_public_records_appears_at_once(communicator_client, communicator):
    before = page(communicator_client, DASHBOARD)
    records_request = request_register(
        actor=communicator,
        received_at=timezone.now(),
        channel="email",
        asked_for="Kommentarerna på kulturhusets sida i mars.",
    )
    assert records_request.get_absolute_url() not in before
    assert records_request.get_absolute_url() in page(communicator_client, DASHBOARD)


def test_a_connector_behind_appears_at_once(communicator_client, active_account):
    assert "Capture has fallen behind" not in page(communicator_client, DASHBOARD)
    config = ConnectorConfig.objects.create(
        account=active_account, platform=ConnectorPlatform.INSTAGRAM, external_id="1789"
    )
    ConnectorConfig.objects.filter(pk=config.pk).update(
        created_at=timezone.now() - dt.timedelta(days=10)
    )
    # The date moved back by an update(): what moves with the clock is bounded by the slot.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31), tick=False):
        assert active_account.display_name in page(communicator_client, DASHBOARD)
        assert "capture-behind" in page(communicator_client, DASHBOARD)


def test_a_snapshot_and_its_failure_appear_at_once(communicator_client, active_account):
    assert "badge-muted" not in page(communicator_client, ARCHIVE)
    snapshot = pending_snapshot(active_account, status=SnapshotStatus.BUILDING, attempts=1)
    assert "badge-muted" in page(communicator_client, ARCHIVE)
    _fail(snapshot.pk, 1, RuntimeError("disk full"))
    assert "badge-bad" in page(communicator_client, ARCHIVE)
