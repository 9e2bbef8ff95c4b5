from django.core.management import call_command

from accounts.models import AccountDecision, AccountStatus, SocialAccount, User


def test_demo_data_loads_once_with_accounts_in_every_state(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # a second run changes nothing

    assert User.objects.filter(username="karin.kommunikator", is_communicator=True).count() == 1
    statuses = set(SocialAccount.objects.values_list("status", flat=True))
    assert statuses >= {
        AccountStatus.DRAFT,
        AccountStatus.SUBMITTED,
        AccountStatus.CHANGES_REQUESTED,
        AccountStatus.REJECTED,
        AccountStatus.ACTIVE,
        AccountStatus.CLOSED,
    }
    assert SocialAccount.objects.count() >= 12


def test_every_demo_account_that_was_approved_meets_the_approval_rules(db):
    call_command("seed_demo", verbosity=0)
    for account in SocialAccount.objects.public().with_people():
        assert account.missing_for_approval() == [], account
        assert AccountDecision.objects.filter(account=account, kind="approved").exists()


def test_the_demo_application_awaiting_a_manager_cannot_be_approved_yet(db):
    call_command("seed_demo", verbosity=0)
    account = SocialAccount.objects.with_people().get(display_name="Fritidsgården Chillzone")
    missing = account.missing_for_approval()
    assert len(missing) == 1
    assert "Maria Niemi" in str(missing[0])
