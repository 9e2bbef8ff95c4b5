"""The demo queue: created once however often the command runs, and an owner can triage it to
the right outcomes in the browser (through HTTP, as a person would)."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import AccountStatus, Role
from moderation.models import DailyCheck, Item, ItemStatus, ModerationAction
from moderation.response_model import LegalGround, Outcome
from tests.conftest import verified_login
from tests.factories import add_role, make_account, make_user


@pytest.fixture
def demo_cast(db, communicator, owner, deputy, administrator, manager, department):
    fb = make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.ACTIVE,
        display_name="Haparanda stad",
        url="https://www.facebook.com/haparandastad",
        handle="haparandastad",
    )
    ig = make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.ACTIVE,
        display_name="Haparanda kultur",
        url="https://www.instagram.com/haparandakultur",
        handle="haparandakultur",
        platform="instagram",
    )
    for account in (fb, ig):
        add_role(account, owner, Role.OWNER, manager=manager)
        add_role(account, deputy, Role.DEPUTY, manager=manager)
    add_role(fb, administrator, Role.ADMINISTRATOR, manager=manager, appointed_by=communicator)
    return fb, ig


def seed():
    out = io.StringIO()
    call_command("seed_moderation_demo", stdout=out)
    return out.getvalue()


def test_it_runs_twice_without_duplicating(demo_cast):
    seed()
    counts = (Item.objects.count(), ModerationAction.objects.count(), DailyCheck.objects.count())
    seed()
    assert counts == (
        Item.objects.count(),
        ModerationAction.objects.count(),
        DailyCheck.objects.count(),
    )
    assert Item.objects.open().count() >= 12
    assert Item.objects.filter(status=ItemStatus.HANDLED, by_municipality=False).count() >= 3
    assert Item.objects.filter(deleted_by_author_at__isnull=False).count() == 1
    assert Item.objects.filter(versions__number=2, versions__change="edited").count() == 1
    assert Item.objects.filter(has_personal_data=True).exists()


def test_it_does_nothing_without_the_demo_accounts(db):
    make_user("olle.agare")
    assert "skipped" in seed()
    assert not Item.objects.exists()


def outcome_answers(client, item, answers, data):
    return client.post(
        reverse("moderation:item_triage", args=[item.pk]), {"model": 1, "a": answers, **data}
    )


def test_an_owner_triages_the_demo_queue_to_the_right_outcomes(demo_cast, owner, department):
    seed()
    client = verified_login(Client(), owner)
    queue = client.get(reverse("moderation:queue"))
    assert queue.status_code == 200
    by_pid = {i.platform_id: i for i in queue.context["items"]}

    def walk_to(pid, answers):
        page = client.get(by_pid[pid].get_absolute_url(), {"model": 1, "a": answers})
        assert page.status_code == 200
        return page

    # A question about snow clearing: answer it.
    answers = ["nej"] * 5 + ["ja", "ja"]
    assert walk_to("demo-fb-1", answers).context["outcome"] == Outcome.ANSWER
    outcome_answers(client, by_pid["demo-fb-1"], answers, {"reply_text": "Vi plogar i morgon."})

    # The broken streetlight: refer to fault reporting with the templated reply.
    answers = ["nej", "nej", "ja"]
    page = walk_to("demo-fb-3", answers)
    reply = page.context["outcome_form"].initial["reply_text"]
    outcome_answers(client, by_pid["demo-fb-3"], answers, {"reply_text": reply})

    # The troll: monitor only, and the communicator is told.
    answers = ["nej"] * 5 + ["nej", "nej", "troll"]
    assert walk_to("demo-fb-4", answers).context["outcome_form"].initial["troll"] is True
    outcome_answers(client, by_pid["demo-fb-4"], answers, {"troll": "on"})

    # The personnummer: remove with personal data as the ground, evidence first.
    answers = ["nej", "ja"]
    page = walk_to("demo-fb-5", answers)
    notice = page.context["outcome_form"].initial["visitor_notice"]
    outcome_answers(
        client,
        by_pid["demo-fb-5"],
        answers,
        {"legal_ground": LegalGround.PERSONAL_DATA, "visitor_notice": notice},
    )

    # Unauthorised building: forward to the department, tell the reporter, remove.
    answers = ["nej", "nej", "nej", "ja"]
    page = walk_to("demo-fb-6", answers)
    outcome_answers(
        client,
        by_pid["demo-fb-6"],
        answers,
        {
            "department": department.pk,
            "recipient": "Bygglovsenheten",
            "reply_text": page.context["outcome_form"].initial["reply_text"],
        },
    )

    outcomes = dict(
        Item.objects.filter(platform_id__in=by_pid)
        .exclude(outcome="")
        .values_list("platform_id", "outcome")
    )
    assert outcomes == {
        "demo-fb-1": Outcome.ANSWER,
        "demo-fb-3": Outcome.REFER_FAULT_REPORT,
        "demo-fb-4": Outcome.MONITOR,
        "demo-fb-5": Outcome.REMOVE,
        "demo-fb-6": Outcome.FORWARD_TO_DEPARTMENT,
    }
    removed = Item.objects.filter(removed_at__isnull=False, platform_id__in=by_pid)
    assert set(removed.values_list("platform_id", flat=True)) == {"demo-fb-5", "demo-fb-6"}
    assert all(item.evidence.get().verifies() for item in removed)
    stats = client.get(reverse("moderation:account_stats", args=[demo_cast[0].pk]))
    assert stats.status_code == 200
