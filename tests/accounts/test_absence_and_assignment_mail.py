"""Ending an absence early, at the edges of its dates, and the e-mail that asks a manager to
give an assignment: what the person and the manager are told."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import Role, SocialAccount

pytestmark = pytest.mark.django_db


def _absence(owner, starts: int, ends: int):
    today = timezone.localdate()
    return services.absence_register(
        user=owner,
        starts_on=today + dt.timedelta(days=starts),
        ends_on=today + dt.timedelta(days=ends),
        actor=owner,
    )


def _refused(absence, owner) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        services.absence_end_early(absence=absence, comment="Tillbaka.", actor=owner)
    return excinfo.value.messages


def test_an_absence_ending_today_is_ended_yesterday(owner, active_account):
    absence = services.absence_end_early(
        absence=_absence(owner, -3, 0), comment="Tillbaka.", actor=owner
    )
    assert absence.ends_on == timezone.localdate() - dt.timedelta(days=1)


def test_an_absence_begun_today_is_ended_today(owner, active_account):
    absence = services.absence_end_early(
        absence=_absence(owner, 0, 4), comment="Tillbaka.", actor=owner
    )
    assert (absence.starts_on, absence.ends_on) == (timezone.localdate(),) * 2


def test_an_absence_that_has_ended_cannot_be_ended(owner, active_account):
    assert _refused(_absence(owner, -5, -1), owner) == ["Frånvaron har redan upphört."]


def test_an_absence_not_yet_begun_is_corrected_instead(owner, active_account):
    assert _refused(_absence(owner, 1, 3), owner) == [
        "Frånvaron har inte börjat än. Rätta datumen i stället för att avsluta den."
    ]


def test_an_absence_of_today_only_already_ends_today(owner, active_account):
    assert _refused(_absence(owner, 0, 0), owner) == ["Frånvaron slutar redan i dag."]


def test_the_manager_is_asked_by_email_to_give_the_assignment(
    owner, deputy, other_manager, draft_account, mailoutbox, django_capture_on_commit_callbacks
):
    SocialAccount.objects.filter(pk=draft_account.pk).update(hours_per_week=2)
    services.application_set_owner(account=draft_account, actor=owner, user=owner)
    role = services.application_add_person(
        account=draft_account, actor=owner, user=deputy, role=Role.DEPUTY
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(account=draft_account, actor=owner)
    [message] = [m for m in mailoutbox if m.to == [other_manager.email]]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == f"Bekräfta uppdraget för {draft_account.display_name}"
    assert message.body == (
        f"{deputy} föreslås som ersättare för kontot {draft_account.display_name} i sociala "
        f"medier ({draft_account.department}).\n\n"
        "Som närmaste chef ger du uppdraget. Bekräfta eller avböj det här:\n"
        f"{settings.SITE_URL}/konton/uppdrag/{role.pk}/\n"
    )


def test_an_action_refused_for_the_accounts_status_names_the_status(
    communicator, owner, draft_account
):
    with pytest.raises(ValidationError) as excinfo:
        services.role_add_deputy(account=draft_account, actor=communicator, user=owner)
    assert excinfo.value.messages == [
        f"Det går inte medan kontot har status {draft_account.get_status_display().lower()}."
    ]
