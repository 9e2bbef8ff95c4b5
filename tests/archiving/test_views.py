"""The staff pages under /arkiv/: the communicator and the account's owner only."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from archiving import services
from archiving.models import Snapshot, SnapshotKind, SnapshotStatus

from .factories import approve_in_the_past, pending_snapshot
from .helpers import sha256


@pytest.fixture
def account(active_account):
    return approve_in_the_past(active_account, 2024)


@pytest.fixture
def complete(account):
    snapshot = pending_snapshot(account)
    return services.build_snapshot(snapshot_id=snapshot.pk)


def _staff_urls(account, snapshot):
    return [
        ("get", reverse("archiving:account_snapshots", args=[account.pk])),
        ("post", reverse("archiving:request_change_snapshot", args=[account.pk])),
        ("get", reverse("archiving:snapshot_detail", args=[snapshot.package_id])),
        ("get", reverse("archiving:download", args=[snapshot.package_id])),
        ("post", reverse("archiving:download", args=[snapshot.package_id])),
    ]


def test_outsider_is_refused_on_every_staff_view(outsider_client, account, complete):
    for method, url in _staff_urls(account, complete):
        response = getattr(outsider_client, method)(url, {"reason": "x"})
        assert response.status_code == 404, url
    assert Snapshot.objects.count() == 1
    assert outsider_client.get(reverse("archiving:overview")).status_code == 403


def test_deputy_and_manager_see_the_account_but_not_its_archive(
    deputy_client, manager_client, account, complete
):
    for client in (deputy_client, manager_client):
        for method, url in _staff_urls(account, complete):
            response = getattr(client, method)(url, {"reason": "x"})
            assert response.status_code == 403, url
    assert Snapshot.objects.count() == 1


def test_anonymous_is_sent_to_login_on_every_staff_view(anonymous_client, account, complete):
    urls = [*_staff_urls(account, complete), ("get", reverse("archiving:overview"))]
    for method, url in urls:
        response = getattr(anonymous_client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("who", ["communicator_client", "owner_client"])
def test_communicator_and_owner_see_snapshots_with_fixity(request, who, account, complete):
    services.check_all_fixity()
    client = request.getfixturevalue(who)
    response = client.get(reverse("archiving:account_snapshots", args=[account.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert complete.sha256 in body
    assert reverse("archiving:download", args=[complete.package_id]) in body
    detail = client.get(reverse("archiving:snapshot_detail", args=[complete.package_id]))
    assert detail.status_code == 200
    assert complete.fixity_checks.get().get_result_display() in detail.content.decode()


@pytest.mark.parametrize("who", ["communicator_client", "owner_client"])
def test_communicator_and_owner_download_the_package(request, who, complete):
    client = request.getfixturevalue(who)
    response = client.get(reverse("archiving:download", args=[complete.package_id]))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert f"{complete.package_id}.zip" in response["Content-Disposition"]
    assert sha256(b"".join(response.streaming_content)) == complete.sha256


def test_an_unfinished_snapshot_cannot_be_downloaded(communicator_client, account):
    snapshot = pending_snapshot(account)
    response = communicator_client.get(reverse("archiving:download", args=[snapshot.package_id]))
    assert response.status_code == 404


def test_an_unknown_package_is_not_found(communicator_client):
    url = reverse("archiving:download", args=["00000000-0000-0000-0000-000000000000"])
    assert communicator_client.get(url).status_code == 404


def test_owner_requests_a_snapshot_at_a_larger_change(
    owner_client, owner, account, django_capture_on_commit_callbacks
):
    url = reverse("archiving:request_change_snapshot", args=[account.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url, {"reason": "Ny kontoansvarig från 1 mars."})
    assert response.status_code == 302
    assert response["Location"] == reverse("archiving:account_snapshots", args=[account.pk])
    snapshot = Snapshot.objects.get(kind=SnapshotKind.CHANGE)
    assert (snapshot.requested_by, snapshot.reason) == (owner, "Ny kontoansvarig från 1 mars.")
    assert snapshot.status == SnapshotStatus.COMPLETE


def test_a_change_request_without_a_reason_is_refused_and_shown_again(owner_client, account):
    url = reverse("archiving:request_change_snapshot", args=[account.pk])
    response = owner_client.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert Snapshot.objects.count() == 0
    assert 'name="reason"' in response.content.decode()


def test_an_unapproved_account_cannot_be_archived(owner_client, submitted_account):
    url = reverse("archiving:request_change_snapshot", args=[submitted_account.pk])
    response = owner_client.post(url, {"reason": "Ändrat syfte."})
    assert response.status_code == 400
    assert str(_("Only an approved account can be archived.")) in response.content.decode()
    assert Snapshot.objects.count() == 0


def test_the_account_page_keeps_a_constant_number_of_queries(
    communicator_client, account, django_assert_num_queries
):
    for _n in range(5):
        services.build_snapshot(snapshot_id=pending_snapshot(account).pk)
    services.check_all_fixity()
    url = reverse("archiving:account_snapshots", args=[account.pk])
    # session, user, the account with its department and applicant, its current roles with
    # people, the snapshots with their requesters, and their fixity checks.
    with django_assert_num_queries(6):
        response = communicator_client.get(url)
    assert response.content.decode().count("/ladda-ned/") == 5


def test_the_overview_keeps_a_constant_number_of_queries(
    communicator_client, account, django_assert_num_queries
):
    for _n in range(5):
        pending_snapshot(account)
    # session, user, the number of snapshots, the page of snapshots with their account,
    # department and requester.
    with django_assert_num_queries(4):
        response = communicator_client.get(reverse("archiving:overview"))
    assert response.status_code == 200
    assert response.content.decode().count("/arkiv/paket/") == 5


def test_the_owner_overview_lists_only_owned_accounts(owner_client, account, communicator):
    from tests.factories import make_account

    other = make_account(created_by=communicator, status="active")
    mine = pending_snapshot(account)
    theirs = pending_snapshot(other)
    body = owner_client.get(reverse("archiving:overview")).content.decode()
    assert str(mine.package_id) in body
    assert str(theirs.package_id) not in body


def test_the_public_account_page_lists_the_snapshot_checksum_but_no_package(
    anonymous_client, account, complete
):
    response = anonymous_client.get(reverse("public:account_detail", args=[account.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert complete.sha256 in html
    assert reverse("archiving:download", args=[complete.package_id]) not in html
    assert "/arkiv/" not in html


@pytest.mark.parametrize(("who", "links"), [("owner", True), ("deputy", False)])
def test_the_account_page_links_to_the_archive_only_for_who_may_see_it(
    request, who, links, account
):
    client = request.getfixturevalue(f"{who}_client")
    response = client.get(reverse("accounts:account_detail", args=[account.pk]))
    archive_url = reverse("archiving:account_snapshots", args=[account.pk])
    assert (archive_url in response.content.decode()) is links


# --- A package the fixity check has flagged --------------------------------------------------


@pytest.fixture
def flagged(complete, archive_storage):
    (archive_storage / complete.file.name).write_bytes(b"changed afterwards")
    services.check_all_fixity()
    complete.refresh_from_db()
    return complete


def test_a_flagged_package_shows_a_warning_instead_of_downloading(communicator_client, flagged):
    url = reverse("archiving:download", args=[flagged.package_id])
    response = communicator_client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert not response.streaming
    assert "Arkivpaketet klarade inte kontrollen av kontrollsumma" in body
    assert "Kontrollsumman stämmer inte" in body
    assert flagged.sha256 in body
    assert not flagged.flagged_downloads.exists()
    detail = communicator_client.get(
        reverse("archiving:snapshot_detail", args=[flagged.package_id])
    )
    assert "Återställ det från säkerhetskopian." in detail.content.decode()


def test_downloading_a_flagged_package_anyway_needs_a_reason_and_is_recorded(
    owner_client, owner, flagged
):
    url = reverse("archiving:download", args=[flagged.package_id])
    refused = owner_client.post(url, {"reason": "   "})
    assert refused.status_code == 400
    assert "Skriv varför du ändå laddar ner arkivpaketet." in refused.content.decode()
    assert not flagged.flagged_downloads.exists()

    response = owner_client.post(url, {"reason": "Jämför med e-arkivets kopia"})

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"changed afterwards"
    record = flagged.flagged_downloads.get()
    assert (record.actor, record.fixity_status, record.reason) == (
        owner,
        "mismatch",
        "Jämför med e-arkivets kopia",
    )
    with pytest.raises(TypeError):
        record.delete()


def test_a_package_that_passed_its_check_downloads_without_a_record(communicator_client, complete):
    services.check_all_fixity()
    url = reverse("archiving:download", args=[complete.package_id])
    assert communicator_client.get(url).streaming
    assert communicator_client.post(url, {"reason": "x"}).status_code == 302
    assert not complete.flagged_downloads.exists()


def test_a_missing_package_is_not_found_and_nothing_is_recorded(
    communicator_client, complete, archive_storage
):
    (archive_storage / complete.file.name).unlink()
    services.check_all_fixity()
    url = reverse("archiving:download", args=[complete.package_id])
    assert "Paketfilen saknas" in communicator_client.get(url).content.decode()
    assert communicator_client.post(url, {"reason": "Försöker ändå"}).status_code == 404
    assert not complete.flagged_downloads.exists()


def _bulk_snapshots(account, n):
    Snapshot.objects.bulk_create(
        Snapshot(
            account=account,
            kind=SnapshotKind.MANUAL,
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 12, 31),
            reason=f"Kopia {i:04d}",
        )
        for i in range(n)
    )


def test_the_overview_costs_the_same_at_10_and_1000_snapshots(
    communicator_client, account, django_assert_num_queries
):
    url = reverse("archiving:overview")
    _bulk_snapshots(account, 10)
    # session, user, the number of snapshots, one page with account, department and requester.
    with django_assert_num_queries(4):
        assert communicator_client.get(url).status_code == 200
    _bulk_snapshots(account, 990)
    with django_assert_num_queries(4):
        response = communicator_client.get(url)
    html = response.content.decode()
    assert html.count("/arkiv/paket/") == 50
    assert "Visar 1–50 av 1000" in html
    assert "Sida 1 av 20" in html


def test_the_overview_pages_through_every_snapshot(communicator_client, account):
    _bulk_snapshots(account, 60)
    url = reverse("archiving:overview")
    first = communicator_client.get(url).content.decode()
    second = communicator_client.get(url, {"sida": "2"}).content.decode()
    assert 'href="?sida=2"' in first
    assert second.count("/arkiv/paket/") == 10
    seen = {*_package_ids(first), *_package_ids(second)}
    assert seen == {str(p) for p in Snapshot.objects.values_list("package_id", flat=True)}


def _package_ids(html: str) -> set[str]:
    import re

    return set(re.findall(r"/arkiv/paket/([0-9a-f-]{36})/", html))
