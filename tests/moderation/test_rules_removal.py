"""Issue 9: advertising, spam and content that breaks the account's published rules are removed
with a ground that rests on the guideline and the account's visitor information, kept apart from
the legal grounds, so the record says whether a removal rested on law or on our own rules."""

import copy
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from moderation.models import ActionKind, Item, ItemStatus, ResponseModelVersion
from moderation.response_model import DEFAULT_TREE, GroundBasis, LegalGround, walk
from moderation.services import response_model_publish

from .conftest import make_item

MIGRATION = importlib.import_module(
    "moderation.migrations.0006_default_model_rules_removal_and_shortcuts"
)


def post_outcome(client, item, model, answers, data):
    return client.post(
        reverse("moderation:item_triage", args=[item.pk]),
        {"model": model.number, "a": answers, **data},
    )


@pytest.fixture
def spam(active_account):
    return make_item(active_account, text="Köp billiga solglasögon på www.exempel.test!!!")


def test_the_rules_answer_suggests_the_rules_ground_the_account_rules_and_a_notice(
    owner_client, spam, response_model
):
    response = owner_client.get(spam.get_absolute_url(), {"model": 1, "a": ["regler"]})
    form = response.context["outcome_form"]
    assert form.initial["legal_ground"] == LegalGround.ACCOUNT_RULES
    assert "reglerna för kontot" in form.initial["visitor_notice"]
    html = response.content.decode()
    # The account's own published rules are quoted beside the choice.
    assert "Kontots regler" in html
    assert "reklam eller inlägg som saknar koppling" in html


def test_the_rules_ground_is_offered_apart_from_the_legal_grounds(
    owner_client, spam, response_model
):
    response = owner_client.get(spam.get_absolute_url(), {"model": 1, "a": ["regler"]})
    choices = response.context["outcome_form"].fields["legal_ground"].choices
    groups = {str(label): [value for value, _label in options] for label, options in choices}
    assert groups == {
        "Lag": [
            value
            for value in LegalGround.values
            if value not in (LegalGround.ACCOUNT_RULES, LegalGround.CASE_HANDLING)
        ],
        "Kommunens regler": [LegalGround.ACCOUNT_RULES],
    }


def test_a_rules_removal_is_recorded_as_resting_on_the_rules(
    owner_client, owner, spam, response_model
):
    response = post_outcome(
        owner_client,
        spam,
        response_model,
        ["regler"],
        {"legal_ground": LegalGround.ACCOUNT_RULES, "visitor_notice": "Reklam tas bort."},
    )
    assert response.status_code == 302
    spam.refresh_from_db()
    assert spam.status == ItemStatus.HANDLED and spam.is_removed
    triaged = spam.actions.get(kind=ActionKind.TRIAGED)
    removed = spam.actions.get(kind=ActionKind.REMOVED)
    for action in (triaged, removed):
        assert action.details["legal_ground"] == LegalGround.ACCOUNT_RULES
        assert action.details["ground_basis"] == GroundBasis.RULES
    # Evidence first, as for every removal.
    assert removed.evidence is not None and removed.evidence.verifies()
    html = owner_client.get(spam.get_absolute_url()).content.decode()
    assert "Grund enligt kommunens regler, inte lag" in html


def test_a_legal_removal_is_recorded_as_resting_on_law(owner_client, spam, response_model):
    post_outcome(
        owner_client,
        spam,
        response_model,
        ["ja"],
        {"legal_ground": LegalGround.HATE_SPEECH, "visitor_notice": "Borttaget."},
    )
    removed = spam.actions.get(kind=ActionKind.REMOVED)
    assert removed.details["ground_basis"] == GroundBasis.LAW
    assert not removed.rests_on_rules
    html = owner_client.get(spam.get_absolute_url()).content.decode()
    assert "Rättslig grund" in html
    assert "Grund enligt kommunens regler" not in html


def test_the_service_refuses_an_unknown_ground(owner_client, spam, response_model):
    response = post_outcome(
        owner_client,
        spam,
        response_model,
        ["regler"],
        {"legal_ground": "for_att_jag_vill", "visitor_notice": "Borttaget."},
    )
    assert response.status_code == 400
    assert Item.objects.get(pk=spam.pk).status == ItemStatus.NEW


def test_paths_recorded_under_the_first_default_still_walk_the_same():
    old = MIGRATION.OLD_TREE
    for answers, outcome in (
        (["ja"], "remove"),
        (["nej", "nej", "ja"], "refer_fault_report"),
        ([*["nej"] * 5, "nej", "ja", "nej"], "let_stand"),
    ):
        assert walk(old, answers).outcome == outcome
        assert walk(DEFAULT_TREE, answers).outcome == outcome


def test_a_triage_begun_on_the_first_default_is_recorded_on_it(
    owner_client, communicator, item, db
):
    first = ResponseModelVersion.objects.create(number=1, tree=MIGRATION.OLD_TREE)
    response_model_publish(tree=DEFAULT_TREE, actor=communicator, note="v2")
    response = post_outcome(owner_client, item, first, [*["nej"] * 5, "nej", "ja", "nej"], {})
    assert response.status_code == 302
    assert item.actions.get(kind=ActionKind.TRIAGED).response_model == first
    # The rules answer does not exist in the first version.
    other = make_item(item.account)
    response = post_outcome(
        owner_client,
        other,
        first,
        ["regler"],
        {"legal_ground": LegalGround.ACCOUNT_RULES, "visitor_notice": "x"},
    )
    assert response.status_code == 302
    assert Item.objects.get(pk=other.pk).status == ItemStatus.NEW


def test_the_migration_publishes_version_two_over_an_unchanged_first_default(db):
    ResponseModelVersion.objects.create(number=1, tree=copy.deepcopy(MIGRATION.OLD_TREE))
    MIGRATION.publish_version_two(apps, None)
    latest = ResponseModelVersion.objects.order_by("-number").first()
    assert latest.number == 2
    assert latest.tree == DEFAULT_TREE
    # Running it again changes nothing.
    MIGRATION.publish_version_two(apps, None)
    assert ResponseModelVersion.objects.count() == 2


def test_the_migration_leaves_a_model_the_communicator_changed(db):
    own = copy.deepcopy(MIGRATION.OLD_TREE)
    own["nodes"]["fraga"]["help"] = "Vår egen hjälptext."
    ResponseModelVersion.objects.create(number=1, tree=own)
    MIGRATION.publish_version_two(apps, None)
    assert ResponseModelVersion.objects.count() == 1
