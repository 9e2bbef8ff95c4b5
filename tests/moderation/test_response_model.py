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
    # The list of versions says what changed, in the communicator's words.
    assert "<td>Önskemål</td>" in communicator_client.get(URL).content.decode()


def test_the_first_model_published_is_version_one(communicator):
    from moderation.services import response_model_publish

    version = response_model_publish(tree=DEFAULT_TREE, actor=communicator, note="Första")
    assert (version.number, version.note, version.published_by) == (1, "Första", communicator)


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


def test_the_default_model_is_published_once_as_version_one(owner_client, db):
    assert not ResponseModelVersion.objects.exists()
    page = owner_client.get(URL).content.decode()
    owner_client.get(URL)
    (version,) = ResponseModelVersion.objects.all()
    assert (version.number, version.tree, version.published_by) == (1, DEFAULT_TREE, None)
    assert "<td>Standardmodellen (Appendix 1).</td>" in page


def test_anonymous_is_sent_to_login(anonymous_client, response_model):
    response = anonymous_client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={URL}"
    response = anonymous_client.post(URL, {"tree": json.dumps(DEFAULT_TREE), "note": "x"})
    assert response["Location"].startswith(reverse("login"))
    assert ResponseModelVersion.objects.count() == 1


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


# --- Each refusal says what is wrong, in Swedish (issue #18) ------------------------------------


NOT_AN_OBJECT = "Modellen måste vara ett objekt med fälten start och nodes."


def answer(key, **lead):
    return {"key": key, "label": key.capitalize(), **lead}


def one_question(*answers, **node):
    return {"start": "q", "nodes": {"q": {"question": "Fråga?", "answers": list(answers), **node}}}


@pytest.mark.parametrize(
    ("tree", "messages"),
    [
        ([], [NOT_AN_OBJECT]),
        ({"start": "q", "nodes": []}, [NOT_AN_OBJECT]),
        ({"start": "q"}, [NOT_AN_OBJECT]),
        (
            {"start": "saknas", "nodes": one_question(answer("ja", outcome="answer"))["nodes"]},
            ["Startfrågan finns inte."],
        ),
        (
            one_question(answer("ja", outcome="answer"), question="  "),
            ["Frågan q saknar text."],
        ),
        ({"start": "q", "nodes": {"q": "Fråga?"}}, ["Frågan q saknar text."]),
        (one_question(), ["Frågan q saknar svar."]),
        (
            {"start": "q", "nodes": {"q": {"question": "Fråga?", "answers": "ja"}}},
            ["Frågan q saknar svar."],
        ),
        (
            one_question(answer("ja", outcome="answer"), {"key": "nej", "outcome": "answer"}),
            ["Ett svar på q saknar nyckel eller etikett."],
        ),
        (
            one_question(answer("ja", outcome="answer"), {"label": "Nej", "outcome": "answer"}),
            ["Ett svar på q saknar nyckel eller etikett."],
        ),
        (one_question("ja"), ["Ett svar på q saknar nyckel eller etikett."]),
        (
            one_question(answer("ja", outcome="answer"), answer("ja", outcome="thank")),
            ["Frågan q använder samma svarsnyckel flera gånger."],
        ),
        (
            one_question(answer("ja")),
            ["Svaret ja på q måste leda till en fråga eller ett utfall."],
        ),
        (
            one_question(answer("ja", outcome="answer", goto="q")),
            ["Svaret ja på q måste leda till en fråga eller ett utfall."],
        ),
        (
            one_question(answer("ja", goto="okand")),
            ["Svaret ja på q leder till en okänd fråga."],
        ),
        (
            one_question(answer("ja", outcome="ignorera")),
            ["Svaret ja på q slutar i ett okänt utfall."],
        ),
        (
            one_question(answer("ja", outcome="remove", preset="personuppgifter")),
            ["En förinställning (preset) måste vara ett objekt."],
        ),
        (
            one_question(answer("ja", goto="q")),
            ["Frågorna bildar en slinga vid q."],
        ),
        (
            {
                "start": "q",
                "nodes": {
                    **one_question(answer("ja", outcome="answer"))["nodes"],
                    "b": {"question": "B?", "answers": [answer("ja", outcome="thank")]},
                    "a": {"question": "A?", "answers": [answer("ja", goto="b")]},
                },
            },
            ["Frågor som aldrig nås: a, b."],
        ),
        # Every error is named at once, so the whole model can be mended in one go.
        (
            one_question(answer("ja", goto="okand"), answer("ja", outcome="ignorera")),
            [
                "Svaret ja på q leder till en okänd fråga.",
                "Frågan q använder samma svarsnyckel flera gånger.",
                "Svaret ja på q slutar i ett okänt utfall.",
            ],
        ),
    ],
)
def test_an_invalid_model_is_refused_with_a_message_that_says_what_is_wrong(tree, messages):
    with pytest.raises(InvalidTree) as caught:
        validate_tree(tree)
    assert caught.value.errors == messages
    assert str(caught.value) == "; ".join(messages)


def test_a_question_may_be_reached_by_two_paths_without_being_a_cycle():
    tree = {
        "start": "q",
        "nodes": {
            "q": {"question": "Q?", "answers": [answer("ja", goto="r"), answer("nej", goto="r")]},
            "r": {"question": "R?", "answers": [answer("ja", outcome="thank", preset={})]},
        },
    }
    validate_tree(tree)


def test_publishing_a_model_with_a_duplicate_answer_key_names_it(
    communicator_client, response_model
):
    tree = tree_with(lambda t: t["nodes"]["fraga"]["answers"][1].update(key="ja"))
    response = communicator_client.post(URL, {"tree": json.dumps(tree), "note": "Fel"})
    assert response.status_code == 400
    assert "Frågan fraga använder samma svarsnyckel flera gånger." in response.content.decode()
    assert ResponseModelVersion.objects.count() == 1


def test_the_model_page_shows_the_legal_guidance_under_each_question(communicator_client):
    from moderation.services import response_model_ensure_default

    response_model_ensure_default()
    html = communicator_client.get(URL).content.decode()
    for node in DEFAULT_TREE["nodes"].values():
        assert node["question"] in html
        if node["help"]:
            assert node["help"] in html
    assert "BBS-lagen 5 §: olaga hot" in html
    assert "Dokumentera och ta bort. Personuppgifter får inte publiceras" in html


def test_each_yes_no_question_of_the_default_model_answers_ja_or_nej():
    for node_id, node in DEFAULT_TREE["nodes"].items():
        if node_id in ("lag", "negativ"):
            continue
        assert [(a["key"], a["label"]) for a in node["answers"]] == [("ja", "Ja"), ("nej", "Nej")]
        assert node["help"] is not None


def test_the_triage_page_shows_the_guidance_under_the_question_asked(owner_client, item):
    from moderation.services import response_model_ensure_default

    response_model_ensure_default()
    first = owner_client.get(item.get_absolute_url()).content.decode()
    assert "BBS-lagen 5 §: olaga hot" in first
    second = owner_client.get(item.get_absolute_url(), {"model": 1, "a": ["nej"]})
    html = second.content.decode()
    assert "Dokumentera och ta bort. Personuppgifter får inte publiceras" in html
    assert 'aria-describedby="triage-question-help"' in html


# --- Removal grounds and the walk -----------------------------------------------------------------


def test_each_removal_ground_says_whether_it_rests_on_law_or_the_municipalitys_rules():
    from moderation.response_model import GroundBasis, LegalGround, ground_basis

    assert ground_basis(LegalGround.ACCOUNT_RULES) == GroundBasis.RULES
    assert ground_basis(LegalGround.CASE_HANDLING) == GroundBasis.RULES
    assert ground_basis(LegalGround.HATE_SPEECH) == GroundBasis.LAW
    assert ground_basis(LegalGround.PERSONAL_DATA) == GroundBasis.LAW
    assert ground_basis("") == ""
    assert ground_basis("okand_grund") == ""


def test_the_form_lists_the_laws_first_and_the_municipalitys_rules_apart():
    from moderation.response_model import LegalGround, ground_choices

    (law_label, law), (rules_label, rules) = ground_choices()
    assert (str(law_label), str(rules_label)) == ("Lag", "Kommunens regler")
    assert [value for value, _label in rules] == ["arendehantering", "kontots_regler"]
    assert [value for value, _label in law] == [
        g for g in LegalGround.values if g not in ("arendehantering", "kontots_regler")
    ]
    (_, law), (_, rules) = ground_choices(
        exclude=frozenset({LegalGround.COPYRIGHT, LegalGround.ACCOUNT_RULES})
    )
    assert "upphovsrattsintrang" not in [v for v, _l in law]
    assert [v for v, _l in rules] == ["arendehantering"]


def test_a_walk_records_each_question_and_answer_and_ends_in_the_outcome():
    from moderation.response_model import walk

    done = walk(DEFAULT_TREE, ["nej", "ja"])
    assert done.outcome == "remove"
    assert done.preset == {"legal_ground": "personuppgifter"}
    assert done.node_id is None and done.node is None
    assert done.path == [
        {
            "node": "lag",
            "question": DEFAULT_TREE["nodes"]["lag"]["question"],
            "answer": "nej",
            "label": "Nej",
        },
        {
            "node": "personuppgifter",
            "question": DEFAULT_TREE["nodes"]["personuppgifter"]["question"],
            "answer": "ja",
            "label": "Ja",
        },
    ]
    halfway = walk(DEFAULT_TREE, ["nej", "nej"])
    assert halfway.outcome is None and halfway.preset == {}
    assert halfway.node_id == "felanmalan"
    assert halfway.node == DEFAULT_TREE["nodes"]["felanmalan"]
    start = walk(DEFAULT_TREE, [])
    assert (start.node_id, start.path) == ("lag", [])


def test_a_walks_preset_is_a_copy_the_form_may_change():
    from moderation.response_model import walk

    done = walk(DEFAULT_TREE, ["regler"])
    done.preset["legal_ground"] = "annat"
    assert walk(DEFAULT_TREE, ["regler"]).preset == {"legal_ground": "kontots_regler"}
    assert walk(DEFAULT_TREE, ["ja"]).preset == {}


@pytest.mark.parametrize(
    ("answers", "misfit"),
    [(["kanske"], "kanske"), (["ja", "nej"], "ja"), (["nej", "ja", "ja"], "ja")],
)
def test_answers_that_do_not_fit_the_questions_are_refused_naming_the_answer(answers, misfit):
    from moderation.response_model import InvalidPath, walk

    with pytest.raises(InvalidPath) as caught:
        walk(DEFAULT_TREE, answers)
    assert caught.value.args == (misfit,)


def test_a_shortcut_that_no_longer_fits_is_left_out_not_offered():
    from moderation.response_model import shortcuts_of

    tree = with_shortcuts(
        {"name": "Tacka", "key": "t", "path": [*["nej"] * 5, "nej", "ja", "ja"]},
        {"name": "Halvvägs", "key": "h", "path": ["nej"]},
        {"name": "Fel", "key": "f", "path": ["kanske"]},
        {"name": "Trasig", "key": "x"},
        {"name": "Fel typ", "key": "y", "path": 5},
        {"name": "Ta bort", "key": "r", "path": ["regler"]},
    )
    assert [(s["name"], s["outcome"]) for s in shortcuts_of(tree)] == [
        ("Tacka", "thank"),
        ("Ta bort", "remove"),
    ]
    assert shortcuts_of(tree_with(lambda t: t.pop("shortcuts"))) == []
    # A model published before shortcuts existed validates without them.
    validate_tree(tree_with(lambda t: t.pop("shortcuts")))


@pytest.mark.parametrize(
    ("shortcut", "messages"),
    [
        (
            {"name": "Två", "key": "tv", "path": ["ja"]},
            ["Snabbvalet Två behöver en liten bokstav som tangent."],
        ),
        (
            {"name": "Stor", "key": "T", "path": ["ja"]},
            ["Snabbvalet Stor behöver en liten bokstav som tangent."],
        ),
        (
            {"name": "Ingen", "path": ["ja"]},
            ["Snabbvalet Ingen behöver en liten bokstav som tangent."],
        ),
        (
            {"name": "Förra", "key": "k", "path": ["ja"]},
            ["Snabbvalet Förra använder tangenten k, som bedömningssidan redan använder."],
        ),
        (
            {"name": "Siffror", "key": "s", "path": ["nej", 1]},
            ["Snabbvalet Siffror behöver en lista med svar."],
        ),
        (
            {"name": "Text", "key": "s", "path": "ja"},
            ["Snabbvalet Text behöver en lista med svar."],
        ),
        # Without a name the shortcut is known by its place in the list.
        (
            {"name": "  ", "key": "1", "path": ["kanske"]},
            [
                "Snabbval 1 saknar namn.",
                "Snabbvalet 1 behöver en liten bokstav som tangent.",
                "Snabbvalet 1 följer inte frågorna fram till ett utfall.",
            ],
        ),
    ],
)
def test_each_fault_of_a_shortcut_is_named(shortcut, messages):
    with pytest.raises(InvalidTree) as caught:
        validate_tree(with_shortcuts(shortcut))
    assert caught.value.errors == messages


def test_a_question_without_its_text_is_refused():
    tree = {"start": "q", "nodes": {"q": {"answers": [answer("ja", outcome="answer")]}}}
    with pytest.raises(InvalidTree) as caught:
        validate_tree(tree)
    assert caught.value.errors == ["Frågan q saknar text."]


def test_a_second_shortcut_with_its_own_key_is_accepted():
    validate_tree(
        with_shortcuts(
            {"name": "Tacka", "key": "t", "path": [*["nej"] * 5, "nej", "ja", "ja"]},
            {"name": "Ta bort", "key": "r", "path": ["regler"]},
        )
    )


def test_every_broken_shortcut_is_named_not_only_the_first():
    with pytest.raises(InvalidTree) as caught:
        validate_tree(with_shortcuts("Beröm", {"name": "Tom", "key": "x", "path": []}))
    assert caught.value.errors == [
        "Snabbval 1 måste vara ett objekt.",
        "Snabbvalet Tom behöver en lista med svar.",
    ]


def test_every_broken_question_is_named_not_only_the_first():
    tree = {
        "start": "q",
        "nodes": {
            "q": {"question": "", "answers": [answer("ja", goto="r")]},
            "r": {"question": "R?", "answers": []},
            "s": {"question": "S?", "answers": [answer("ja", goto="okand")]},
        },
    }
    with pytest.raises(InvalidTree) as caught:
        validate_tree(tree)
    assert caught.value.errors == [
        "Frågan q saknar text.",
        "Frågan r saknar svar.",
        "Svaret ja på s leder till en okänd fråga.",
    ]


def test_a_shortcut_without_answers_does_not_hide_the_next_ones_faults():
    with pytest.raises(InvalidTree) as caught:
        validate_tree(
            with_shortcuts(
                {"name": "Tom", "key": "x", "path": []},
                {"name": "Fel", "key": "f", "path": ["kanske"]},
            )
        )
    assert caught.value.errors == [
        "Snabbvalet Tom behöver en lista med svar.",
        "Snabbvalet Fel följer inte frågorna fram till ett utfall.",
    ]


def test_an_answer_without_a_label_does_not_hide_the_next_answers_fault():
    tree = one_question({"key": "ja", "outcome": "answer"}, answer("nej", goto="okand"))
    with pytest.raises(InvalidTree) as caught:
        validate_tree(tree)
    assert caught.value.errors == [
        "Ett svar på q saknar nyckel eller etikett.",
        "Svaret nej på q leder till en okänd fråga.",
    ]
