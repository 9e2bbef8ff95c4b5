"""R12: the response model is versioned data; a new version is validated before it is used."""

import copy
import json

import pytest
from django.urls import reverse

from moderation.models import ResponseModelVersion
from moderation.response_model import DEFAULT_TREE, InvalidTree, validate_tree

URL = reverse("moderation:response_model")


def test_the_default_tree_is_valid():
    validate_tree(DEFAULT_TREE)


def tree_with(change):
    tree = copy.deepcopy(DEFAULT_TREE)
    change(tree)
    return tree


@pytest.mark.parametrize(
    "tree",
    [
        tree_with(lambda t: t["nodes"]["fraga"]["answers"][0].update(goto="lag")),  # cycle
        tree_with(lambda t: t["nodes"]["kan_svara"]["answers"][0].update(outcome="ignore")),
        tree_with(lambda t: t["nodes"]["kan_svara"]["answers"][0].update(goto="nowhere")),
        tree_with(
            lambda t: t["nodes"].update(
                orphan={
                    "question": "?",
                    "answers": [{"key": "ja", "label": "Ja", "outcome": "answer"}],
                }
            )
        ),
        tree_with(lambda t: t["nodes"]["fraga"].update(answers=[])),
        tree_with(lambda t: t.update(start="missing")),
        [],
    ],
    ids=[
        "cycle",
        "unknown-outcome",
        "unknown-question",
        "unreachable",
        "no-answers",
        "no-start",
        "not-an-object",
    ],
)
def test_an_invalid_tree_is_refused(tree):
    with pytest.raises(InvalidTree):
        validate_tree(tree)


def test_the_communicator_publishes_a_new_version(
    communicator_client, communicator, response_model
):
    tree = tree_with(
        lambda t: t["nodes"]["fraga"].update(question="Är det en fråga eller ett önskemål?")
    )
    response = communicator_client.post(URL, {"tree": json.dumps(tree), "note": "Önskemål"})
    assert response.status_code == 302
    latest = ResponseModelVersion.objects.order_by("-number").first()
    assert latest.number == 2 and latest.published_by == communicator
    assert latest.tree["nodes"]["fraga"]["question"].endswith("önskemål?")


def test_a_tree_with_a_cycle_is_refused_with_the_input_kept(communicator_client, response_model):
    tree = tree_with(lambda t: t["nodes"]["fraga"]["answers"][0].update(goto="lag"))
    response = communicator_client.post(URL, {"tree": json.dumps(tree), "note": "Fel"})
    assert response.status_code == 400
    assert ResponseModelVersion.objects.count() == 1
    assert "tree" in response.context["form"].errors


def test_broken_json_is_refused(communicator_client, response_model):
    response = communicator_client.post(URL, {"tree": "{", "note": "x"})
    assert response.status_code == 400
    assert ResponseModelVersion.objects.count() == 1


def test_an_owner_reads_the_model_but_cannot_publish(owner_client, response_model):
    assert owner_client.get(URL).status_code == 200
    response = owner_client.post(URL, {"tree": json.dumps(DEFAULT_TREE), "note": "x"})
    assert response.status_code == 403
    assert ResponseModelVersion.objects.count() == 1


def test_anonymous_is_sent_to_login(anonymous_client, db):
    assert anonymous_client.get(URL).status_code == 302


def test_a_triage_started_on_an_old_version_records_that_version(
    owner_client, communicator, item, response_model
):
    from moderation.services import response_model_publish

    response_model_publish(tree=DEFAULT_TREE, actor=communicator, note="v2")
    answers = ["nej"] * 5 + ["nej", "ja", "nej"]
    owner_client.post(reverse("moderation:item_triage", args=[item.pk]), {"model": 1, "a": answers})
    assert item.actions.get(kind="triaged").response_model == response_model


def with_shortcuts(*shortcuts):
    return tree_with(lambda t: t.update(shortcuts=list(shortcuts)))


@pytest.mark.parametrize(
    ("shortcuts", "message"),
    [
        (
            [{"name": "Okänt", "key": "o", "path": ["nej", "kanske"]}],
            "Snabbvalet Okänt följer inte frågorna fram till ett utfall.",
        ),
        (
            [{"name": "Halvvägs", "key": "h", "path": ["nej", "nej"]}],
            "Snabbvalet Halvvägs följer inte frågorna fram till ett utfall.",
        ),
        (
            [{"name": "Förbi", "key": "f", "path": ["ja", "nej"]}],
            "Snabbvalet Förbi följer inte frågorna fram till ett utfall.",
        ),
        (
            [{"name": "Nästa", "key": "j", "path": ["ja"]}],
            "Snabbvalet Nästa använder tangenten j, som bedömningssidan redan använder.",
        ),
        (
            [
                {"name": "Ett", "key": "x", "path": ["ja"]},
                {"name": "Två", "key": "x", "path": ["regler"]},
            ],
            "Snabbvalet Två använder tangenten x, som ett annat snabbval redan har.",
        ),
        (
            [{"name": "Siffra", "key": "1", "path": ["ja"]}],
            "Snabbvalet Siffra behöver en liten bokstav som tangent.",
        ),
        ([{"name": "", "key": "x", "path": ["ja"]}], "Snabbval 1 saknar namn."),
        (
            [{"name": "Tom", "key": "x", "path": []}],
            "Snabbvalet Tom behöver en lista med svar.",
        ),
        (["Beröm"], "Snabbval 1 måste vara ett objekt."),
    ],
)
def test_a_shortcut_that_does_not_fit_is_refused(shortcuts, message):
    with pytest.raises(InvalidTree) as caught:
        validate_tree(with_shortcuts(*shortcuts))
    assert message in caught.value.errors


def test_shortcuts_must_be_a_list():
    with pytest.raises(InvalidTree) as caught:
        validate_tree(tree_with(lambda t: t.update(shortcuts={"t": ["ja"]})))
    assert caught.value.errors == ["Snabbvalen måste vara en lista."]


def test_publishing_a_broken_shortcut_is_refused_in_swedish_and_keeps_the_input(
    communicator_client, response_model
):
    tree = with_shortcuts({"name": "Beröm → Tacka", "key": "t", "path": ["nej", "kanske"]})
    response = communicator_client.post(URL, {"tree": json.dumps(tree), "note": "Snabbval"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Snabbvalet Beröm → Tacka följer inte frågorna fram till ett utfall." in html
    assert "kanske" in html
    assert ResponseModelVersion.objects.count() == 1


def test_the_default_model_names_its_shortcuts_with_their_full_paths():
    from moderation.response_model import shortcuts_of

    shortcuts = {s["name"]: s for s in shortcuts_of(DEFAULT_TREE)}
    assert shortcuts["Beröm → Tacka"]["outcome"] == "thank"
    assert shortcuts["Reklam → Ta bort"]["outcome"] == "remove"
    assert shortcuts["Reklam → Ta bort"]["path"] == ["regler"]
