"""The e-mail the fixity check sends when an archived package has changed or is missing: what
the communicator reads to know which package to restore, and what to compare it with."""

import pytest
from django.core import mail

from archiving import services
from archiving.models import FixityStatus

from .factories import approve_in_the_past, pending_snapshot


@pytest.fixture
def stored(active_account):
    account = approve_in_the_past(active_account, 2024)
    return services.build_snapshot(snapshot_id=pending_snapshot(account).pk)


def _expected_body(snapshot, result: str, actual: str) -> str:
    return "\n\n".join(
        [
            "Kontrollen av kontrollsummor hittade arkivpaket som har ändrats eller saknas:",
            f"{snapshot.account}, {snapshot.get_kind_display()} "
            f"{snapshot.period_start}–{snapshot.period_end}, arkivpaket {snapshot.package_id}: "
            f"{result}. Förväntad SHA-256 {snapshot.sha256}, faktisk {actual}.",
            "Återställ de här arkivpaketen från säkerhetskopian och kontrollera dem igen.",
        ]
    )


def test_a_changed_package_is_reported_with_both_checksums(stored, communicator, archive_storage):
    path = archive_storage / stored.file.name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    [problem] = services.check_all_fixity()

    [message] = mail.outbox
    assert communicator.email in message.to
    assert message.subject == "Kontroll av kontrollsummor i arkivet: 1 problem"
    result = dict(FixityStatus.choices)[FixityStatus.MISMATCH]
    assert message.body == _expected_body(stored, result, problem.actual_sha256)
    assert problem.actual_sha256 != stored.sha256


def test_a_missing_package_is_reported_without_a_checksum_found(
    stored, communicator, archive_storage
):
    (archive_storage / stored.file.name).unlink()

    services.check_all_fixity()

    [message] = mail.outbox
    assert message.subject == "Kontroll av kontrollsummor i arkivet: 1 problem"
    result = dict(FixityStatus.choices)[FixityStatus.MISSING]
    assert message.body == _expected_body(stored, result, "-")
