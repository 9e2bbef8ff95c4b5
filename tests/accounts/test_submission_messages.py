"""What the person filling in an anmälan is told when it cannot be sent yet, or when a person
cannot be named: each message says what to do, in Swedish, naming the people concerned."""

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import AccountRole, AssignmentStatus, Role, SocialAccount
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _refusal(call, **kwargs) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        call(**kwargs)
    return excinfo.value.messages


def _verbose(name: str) -> str:
    return str(SocialAccount._meta.get_field(name).verbose_name)


def _ready(account, owner, deputy):
    SocialAccount.objects.filter(pk=account.pk).update(hours_per_week=2)
    services.application_set_owner(account=account, actor=owner, user=owner)
    services.application_add_person(account=account, actor=owner, user=deputy, role=Role.DEPUTY)


def test_the_empty_fields_are_named_together_and_blank_ones_count_as_empty(
    owner, deputy, draft_account
):
    _ready(draft_account, owner, deputy)
    SocialAccount.objects.filter(pk=draft_account.pk).update(purpose="", goals="   \n ")
    messages = _refusal(services.application_submit, account=draft_account, actor=owner)
    assert messages == [
        f"De här fälten måste fyllas i: {_verbose('purpose')}, {_verbose('goals')}."
    ]


def test_an_owner_without_a_deputy_is_asked_for_a_deputy_only(owner, draft_account):
    SocialAccount.objects.filter(pk=draft_account.pk).update(hours_per_week=2)
    services.application_set_owner(account=draft_account, actor=owner, user=owner)
    messages = _refusal(services.application_submit, account=draft_account, actor=owner)
    assert messages == ["Ange minst en ersättare."]


def test_a_deputy_without_an_owner_is_asked_for_the_owner_only(owner, deputy, draft_account):
    SocialAccount.objects.filter(pk=draft_account.pk).update(hours_per_week=2)
    services.application_add_person(
        account=draft_account, actor=owner, user=deputy, role=Role.DEPUTY
    )
    messages = _refusal(services.application_submit, account=draft_account, actor=owner)
    assert messages == ["Ange kontots kontoansvariga."]


def test_a_declined_assignment_names_the_manager_and_the_person(
    owner, deputy, other_manager, draft_account
):
    _ready(draft_account, owner, deputy)
    AccountRole.objects.filter(account=draft_account, user=deputy).update(
        assignment_status=AssignmentStatus.DECLINED
    )
    messages = _refusal(services.application_submit, account=draft_account, actor=owner)
    assert messages == [
        f"{other_manager} har avböjt uppdraget för {deputy}. Ta bort personen, eller be "
        "kommunikatören rätta personalkatalogen om chefen är fel."
    ]


def test_a_person_who_is_their_own_manager_cannot_be_named(owner, draft_account, department):
    boss = make_user("bo.chef", department=department)
    boss.manager = boss
    boss.save()
    with pytest.raises(ValidationError) as excinfo:
        services.application_add_person(
            account=draft_account, actor=owner, user=boss, role=Role.DEPUTY
        )
    assert excinfo.value.message_dict == {"user": ["En person kan inte vara sin egen chef."]}


def test_a_person_whose_manager_has_left_cannot_be_named(owner, draft_account, department):
    gone = make_user("gustav.chef", department=department, is_active=False)
    person = make_user("petra.person", department=department, manager=gone)
    with pytest.raises(ValidationError) as excinfo:
        services.application_add_person(
            account=draft_account, actor=owner, user=person, role=Role.DEPUTY
        )
    assert excinfo.value.message_dict == {
        "user": [
            f"Chefen för {person} i personalkatalogen, {gone}, har slutat. Be kommunikatören "
            "uppdatera katalogen."
        ]
    }


def test_a_person_already_named_cannot_be_named_twice(owner, deputy, draft_account):
    _ready(draft_account, owner, deputy)
    with pytest.raises(ValidationError) as excinfo:
        services.application_add_person(
            account=draft_account, actor=owner, user=deputy, role=Role.ADMINISTRATOR
        )
    assert excinfo.value.message_dict == {
        "user": [f"{deputy} har redan en roll på det här kontot."]
    }


def test_a_person_who_has_left_cannot_be_named(owner, draft_account, department, manager):
    gone = make_user("lena.slutat", department=department, manager=manager, is_active=False)
    with pytest.raises(ValidationError) as excinfo:
        services.application_add_person(
            account=draft_account, actor=owner, user=gone, role=Role.DEPUTY
        )
    assert excinfo.value.message_dict == {
        "user": [f"{gone} finns inte längre i personalkatalogen och kan inte få en roll."]
    }


def test_an_address_taken_by_a_public_account_names_it_and_its_status(owner, active_account):
    from .test_services import _data

    with pytest.raises(ValidationError) as excinfo:
        services.application_create(
            actor=owner, data=_data(active_account.department, profile_url=active_account.url)
        )
    status = active_account.get_status_display().lower()
    assert excinfo.value.message_dict == {
        "profile_url": [
            f"Adressen är redan registrerad som {active_account.display_name} ({status}). "
            "Ett konto kan bara registreras en gång."
        ]
    }
