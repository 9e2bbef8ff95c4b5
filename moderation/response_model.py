"""The response model (Appendix 1, R12) as data, and the fixed set of outcomes (R13–R15).

A tree is ``{"start": node_id, "nodes": {node_id: {"question": str, "help": str,
"answers": [{"key": str, "label": str, "goto": node_id} | {"key", "label", "outcome": str,
"preset": {...}}]}}}``. The questions and the shape are the municipality's to change; the
outcomes drive forms and required fields, so they are code. A tree is valid when every path
ends in a known outcome and there are no cycles.

A tree may also hold ``"shortcuts": [{"name": str, "key": str, "path": [answer keys]}]``: named
quick paths ("Beröm → Tacka") that fill in every answer at once. The person still sees the
filled-in answers and confirms, and the recorded triage is the full path, so a shortcut is only a
faster way to give the same answers; each must walk the tree to an outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    REMOVE = "remove", _("Remove and document")
    FORWARD_TO_DEPARTMENT = "forward_to_department", _("Forward to the department and remove")
    REFER_FAULT_REPORT = "refer_fault_report", _("Refer to fault reporting")
    REFER_INDIVIDUAL_CASE = "refer_individual_case", _("Refer the individual case")
    ANSWER = "answer", _("Answer")
    FORWARD_FOR_ANSWER = "forward_for_answer", _("Forward for answer")
    THANK = "thank", _("Thank or reply")
    CORRECT_FACTS = "correct_facts", _("Correct the facts")
    RECTIFY = "rectify", _("Rectify")
    MONITOR = "monitor", _("Monitor only")
    LET_STAND = "let_stand", _("Let stand")


# Outcomes whose reply the visitor sees; the first of them is the item's "answer" time (R18).
REPLY_OUTCOMES = frozenset(
    {
        Outcome.ANSWER,
        Outcome.THANK,
        Outcome.CORRECT_FACTS,
        Outcome.RECTIFY,
        Outcome.FORWARD_FOR_ANSWER,
        Outcome.REFER_FAULT_REPORT,
        Outcome.REFER_INDIVIDUAL_CASE,
        Outcome.FORWARD_TO_DEPARTMENT,
    }
)
REMOVING_OUTCOMES = frozenset({Outcome.REMOVE, Outcome.FORWARD_TO_DEPARTMENT})


class LegalGround(models.TextChoices):
    """Why an item may be removed (R14, R27), each with the law it rests on."""

    UNLAWFUL_THREAT = "olaga_hot", _("Unlawful threat (olaga hot), brottsbalken 4 kap. 5 §")
    PRIVACY_INTRUSION = (
        "olaga_integritetsintrang",
        _("Unlawful invasion of privacy (olaga integritetsintrång), brottsbalken 4 kap. 6 c §"),
    )
    SEDITION = "uppvigling", _("Sedition (uppvigling), brottsbalken 16 kap. 5 §")
    HATE_SPEECH = (
        "hets_mot_folkgrupp",
        _("Agitation against a population group (hets mot folkgrupp), brottsbalken 16 kap. 8 §"),
    )
    CHILD_PORNOGRAPHY = (
        "barnpornografibrott",
        _("Child pornography offence (barnpornografibrott), brottsbalken 16 kap. 10 a §"),
    )
    VIOLENCE = (
        "olaga_valdsskildring",
        _("Unlawful depiction of violence (olaga våldsskildring), brottsbalken 16 kap. 10 c §"),
    )
    PUBLIC_INCITEMENT = (
        "offentlig_uppmaning",
        _(
            "Public incitement (offentlig uppmaning) to terrorist offences, "
            "lag (2022:666) om straff för terroristbrott"
        ),
    )
    COPYRIGHT = (
        "upphovsrattsintrang",
        _("Copyright infringement (upphovsrättsintrång), upphovsrättslagen (1960:729) 53 §"),
    )
    PERSONAL_DATA = (
        "personuppgifter",
        _(
            "Offensive personal data or identity numbers (kränkande personuppgifter), "
            "dataskyddsförordningen (EU) 2016/679"
        ),
    )
    CONFIDENTIAL = (
        "sekretess",
        _(
            "Confidential information (sekretessbelagd uppgift), "
            "offentlighets- och sekretesslagen (2009:400)"
        ),
    )
    CASE_HANDLING = (
        "arendehantering",
        _(
            "A report handled in a particular order, moved to ordinary case handling "
            "(Haparanda stads riktlinjer för sociala medier)"
        ),
    )
    ACCOUNT_RULES = (
        "kontots_regler",
        _(
            "Advertising, spam or other content that breaks the account's published rules "
            "(Haparanda stads riktlinjer för sociala medier and the account's visitor information)"
        ),
    )


class GroundBasis(models.TextChoices):
    """What a removal rested on: a law, or the municipality's own rules (the guideline and the
    account's published visitor information). Kept in the record so the two are never mixed up."""

    LAW = "law", _("Law")
    RULES = "rules", _("The municipality's rules")


# Grounds that rest on the guideline and the account's visitor information, not on a law.
RULES_GROUNDS = frozenset({LegalGround.CASE_HANDLING, LegalGround.ACCOUNT_RULES})


def ground_basis(ground: str) -> str:
    """``GroundBasis`` of a ground; empty for no or an unknown ground."""
    if ground in RULES_GROUNDS:
        return GroundBasis.RULES
    if ground in LegalGround.values:
        return GroundBasis.LAW
    return ""


def ground_choices(*, exclude: frozenset = frozenset()) -> list:
    """The grounds grouped by what they rest on, for a form: the laws first, the municipality's
    rules apart."""
    law = [c for c in LegalGround.choices if c[0] not in RULES_GROUNDS and c[0] not in exclude]
    rules = [c for c in LegalGround.choices if c[0] in RULES_GROUNDS and c[0] not in exclude]
    return [(GroundBasis.LAW.label, law), (GroundBasis.RULES.label, rules)]


# Grounds under lag (1998:112) om ansvar för elektroniska anslagstavlor (BBS-lagen) 5 §.
BBS_GROUNDS = frozenset(
    {
        LegalGround.UNLAWFUL_THREAT,
        LegalGround.PRIVACY_INTRUSION,
        LegalGround.SEDITION,
        LegalGround.HATE_SPEECH,
        LegalGround.CHILD_PORNOGRAPHY,
        LegalGround.VIOLENCE,
        LegalGround.PUBLIC_INCITEMENT,
        LegalGround.COPYRIGHT,
    }
)

# Shown next to every reply (R15): the response considerations and the guideline's
# "När du svarar i sociala medier".
RESPONSE_CONSIDERATIONS = (
    _("Transparency: say who is answering, on behalf of Haparanda stad."),
    _("Sourcing: refer to sources, haparanda.se first."),
    _("Timeliness: answer as soon as possible, but take the time to get it right."),
    _("Tone: personal, but not private."),
    _("Influence: consider who else reads the answer."),
)
WHEN_YOU_ANSWER = (
    _("Think before you answer."),
    _("Stay within your own area of responsibility."),
    _("Say if you do not know or cannot answer, and tell who can."),
    _("Stick to the facts."),
    _("Do not get upset or angry."),
    _("Do not let the situation stress you."),
    _("Never spread confidential information."),
)


def _yes_no(question: str, help_text: str, yes: dict, no: dict) -> dict:
    return {
        "question": question,
        "help": help_text,
        "answers": [{"key": "ja", "label": "Ja", **yes}, {"key": "nej", "label": "Nej", **no}],
    }


# The default response model, in Swedish as it is shown to staff; see DESIGN.md.
DEFAULT_TREE: dict = {
    "start": "lag",
    "nodes": {
        # The third answer (version 2 of the default) keeps the keys of the first two, so
        # paths recorded under earlier versions still read and walk the same.
        "lag": {
            "question": "Bryter inlägget mot lag eller mot kontots regler?",
            "help": "BBS-lagen 5 §: olaga hot, olaga integritetsintrång, uppvigling, hets mot "
            "folkgrupp, barnpornografibrott, olaga våldsskildring, offentlig uppmaning, "
            "upphovsrättsintrång. Överväg polisanmälan. Kontots regler: reklam, spam och inlägg "
            "utan koppling till kontots ämne tas bort enligt riktlinjerna och kontots "
            "besöksinformation.",
            "answers": [
                {"key": "ja", "label": "Ja, mot lag", "outcome": "remove"},
                {"key": "nej", "label": "Nej", "goto": "personuppgifter"},
                {
                    "key": "regler",
                    "label": "Reklam, spam eller annat som bryter mot kontots regler",
                    "outcome": "remove",
                    "preset": {"legal_ground": "kontots_regler"},
                },
            ],
        },
        "personuppgifter": _yes_no(
            "Innehåller inlägget kränkande personuppgifter, personnummer eller sekretessbelagda "
            "uppgifter?",
            "Dokumentera och ta bort. Personuppgifter får inte publiceras i kommunens kanaler.",
            {"outcome": "remove", "preset": {"legal_ground": "personuppgifter"}},
            {"goto": "felanmalan"},
        ),
        "felanmalan": _yes_no(
            "Är det en felanmälan?",
            "Till exempel trasig gatubelysning, vattenläcka eller snöröjning som inte fungerar.",
            {"outcome": "refer_fault_report"},
            {"goto": "sarskild_ordning"},
        ),
        "sarskild_ordning": _yes_no(
            "Är det en anmälan om socialt missförhållande, olovlig byggnation eller liknande?",
            "Sådant handläggs i särskild ordning: vidarebefordra för diarieföring, meddela den som "
            "anmält, dokumentera och radera inlägget.",
            {"outcome": "forward_to_department"},
            {"goto": "enskilt_arende"},
        ),
        "enskilt_arende": _yes_no(
            "Gäller det ett enskilt ärende eller ett pågående ärende?",
            "Kontakta besökaren och hänvisa till en lämpligare kanal. Uppgifter som hör till ett "
            "ärende flyttas till ordinarie ärendehantering.",
            {"outcome": "refer_individual_case"},
            {"goto": "fraga"},
        ),
        "fraga": _yes_no(
            "Är det en fråga?",
            "",
            {"goto": "kan_svara"},
            {"goto": "positiv"},
        ),
        "kan_svara": _yes_no(
            "Kan du svara på frågan inom ditt eget ansvarsområde?",
            "Säg om du inte vet, och berätta vem som kommer att svara.",
            {"outcome": "answer"},
            {"outcome": "forward_for_answer"},
        ),
        "positiv": _yes_no(
            "Är inlägget positivt eller balanserat?",
            "",
            {"goto": "vill_svara"},
            {"goto": "negativ"},
        ),
        "vill_svara": _yes_no(
            "Vill du svara?",
            "",
            {"outcome": "thank"},
            {"outcome": "let_stand"},
        ),
        "negativ": {
            "question": "Vad kännetecknar det negativa inlägget?",
            "help": "Välj det som passar bäst.",
            "answers": [
                {
                    "key": "troll",
                    "label": "Ett troll som vill hacka ner på kommunen",
                    "outcome": "monitor",
                    "preset": {"troll": True},
                },
                {
                    "key": "raljant",
                    "label": "Gnäll, skämt eller satir",
                    "outcome": "monitor",
                },
                {
                    "key": "felaktiga_fakta",
                    "label": "Felaktiga fakta",
                    "outcome": "correct_facts",
                },
                {
                    "key": "dalig_upplevelse",
                    "label": "En dålig upplevelse",
                    "outcome": "rectify",
                },
                {"key": "annat", "label": "Annat", "outcome": "let_stand"},
            ],
        },
    },
    "shortcuts": [
        {"name": "Fråga → Svara", "key": "s", "path": [*["nej"] * 5, "ja", "ja"]},
        {"name": "Beröm → Tacka", "key": "t", "path": [*["nej"] * 5, "nej", "ja", "ja"]},
        {"name": "Beröm → Låt stå", "key": "l", "path": [*["nej"] * 5, "nej", "ja", "nej"]},
        {"name": "Reklam → Ta bort", "key": "r", "path": ["regler"]},
        {"name": "Felanmälan → Hänvisa", "key": "f", "path": ["nej", "nej", "ja"]},
        {"name": "Gnäll → Bevaka", "key": "b", "path": [*["nej"] * 5, "nej", "nej", "raljant"]},
    ],
}

# Keys the triage page keeps for itself: next and previous item, help.
RESERVED_SHORTCUT_KEYS = frozenset({"j", "k", "?"})


class InvalidTree(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def validate_tree(tree) -> None:
    """Raise ``InvalidTree`` unless every path from the start ends in a known outcome, answers
    are well formed, no node is unreachable and there is no cycle."""
    errors: list[str] = []
    if not isinstance(tree, dict) or not isinstance(tree.get("nodes"), dict):
        raise InvalidTree([str(_("The model must be an object with a start and nodes."))])
    nodes = tree["nodes"]
    start = tree.get("start")
    if start not in nodes:
        raise InvalidTree([str(_("The start question does not exist."))])
    for node_id, node in nodes.items():
        if not isinstance(node, dict) or not str(node.get("question", "")).strip():
            errors.append(str(_("Question %(node)s has no text.") % {"node": node_id}))
            continue
        answers = node.get("answers")
        if not isinstance(answers, list) or not answers:
            errors.append(str(_("Question %(node)s has no answers.") % {"node": node_id}))
            continue
        keys = set()
        for answer in answers:
            if not isinstance(answer, dict) or not answer.get("key") or not answer.get("label"):
                errors.append(
                    str(_("An answer to %(node)s lacks a key or label.") % {"node": node_id})
                )
                continue
            if answer["key"] in keys:
                errors.append(
                    str(_("Question %(node)s repeats an answer key.") % {"node": node_id})
                )
            keys.add(answer["key"])
            has_goto, has_outcome = "goto" in answer, "outcome" in answer
            if has_goto == has_outcome:
                errors.append(
                    str(
                        _("Answer %(key)s of %(node)s must lead to a question or an outcome.")
                        % {"key": answer["key"], "node": node_id}
                    )
                )
            elif has_goto and answer["goto"] not in nodes:
                errors.append(
                    str(
                        _("Answer %(key)s of %(node)s leads to an unknown question.")
                        % {"key": answer["key"], "node": node_id}
                    )
                )
            elif has_outcome and answer["outcome"] not in Outcome.values:
                errors.append(
                    str(
                        _("Answer %(key)s of %(node)s ends in an unknown outcome.")
                        % {"key": answer["key"], "node": node_id}
                    )
                )
            if "preset" in answer and not isinstance(answer["preset"], dict):
                errors.append(str(_("A preset must be an object.")))
    if errors:
        raise InvalidTree(errors)

    # Depth-first search from the start: a node met again on the current path is a cycle.
    visited: set[str] = set()
    on_path: set[str] = set()

    def visit(node_id: str) -> None:
        if node_id in on_path:
            errors.append(str(_("The questions form a cycle at %(node)s.") % {"node": node_id}))
            return
        if node_id in visited:
            return
        visited.add(node_id)
        on_path.add(node_id)
        for answer in nodes[node_id]["answers"]:
            if "goto" in answer:
                visit(answer["goto"])
        on_path.discard(node_id)

    visit(start)
    unreachable = sorted(set(nodes) - visited)
    if unreachable:
        errors.append(
            str(_("Questions never reached: %(nodes)s.") % {"nodes": ", ".join(unreachable)})
        )
    if errors:
        raise InvalidTree(errors)
    errors = _shortcut_errors(tree)
    if errors:
        raise InvalidTree(errors)


def _shortcut_errors(tree: dict) -> list[str]:
    shortcuts = tree.get("shortcuts", [])
    if not isinstance(shortcuts, list):
        return [str(_("The shortcuts must be a list."))]
    errors: list[str] = []
    keys: set[str] = set()
    for position, shortcut in enumerate(shortcuts, start=1):
        if not isinstance(shortcut, dict):
            errors.append(str(_("Shortcut %(n)s must be an object.") % {"n": position}))
            continue
        name = shortcut.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append(str(_("Shortcut %(n)s has no name.") % {"n": position}))
            name = str(position)
        key = shortcut.get("key")
        if not isinstance(key, str) or len(key) != 1 or not key.isalpha() or not key.islower():
            errors.append(
                str(_("Shortcut %(name)s needs one lower-case letter as key.") % {"name": name})
            )
        elif key in RESERVED_SHORTCUT_KEYS:
            errors.append(
                str(
                    _("Shortcut %(name)s uses the key %(key)s, which the triage page keeps.")
                    % {"name": name, "key": key}
                )
            )
        elif key in keys:
            errors.append(
                str(_("Shortcut %(name)s repeats the key %(key)s.") % {"name": name, "key": key})
            )
        else:
            keys.add(key)
        path = shortcut.get("path")
        if not isinstance(path, list) or not path or not all(isinstance(a, str) for a in path):
            errors.append(str(_("Shortcut %(name)s needs a list of answers.") % {"name": name}))
            continue
        try:
            result = walk(tree, path)
        except InvalidPath:
            result = None
        if result is None or result.outcome is None:
            errors.append(
                str(
                    _("Shortcut %(name)s does not follow the questions to an outcome.")
                    % {"name": name}
                )
            )
    return errors


def shortcuts_of(tree: dict) -> list[dict]:
    """The tree's shortcuts, each with the answers and outcome it fills in; a tree published
    before shortcuts existed has none."""
    result = []
    for shortcut in tree.get("shortcuts", []):
        try:
            walked = walk(tree, shortcut["path"])
        except (InvalidPath, KeyError, TypeError):
            continue
        if walked.outcome is not None:
            result.append({**shortcut, "outcome": walked.outcome})
    return result


@dataclass
class Walk:
    """Where a sequence of answers leads: the next question, or an outcome."""

    path: list[dict] = field(default_factory=list)
    node_id: str | None = None
    node: dict | None = None
    outcome: str | None = None
    preset: dict = field(default_factory=dict)


class InvalidPath(ValueError):
    pass


def walk(tree: dict, answer_keys: list[str]) -> Walk:
    """Follow ``answer_keys`` from the start; raise ``InvalidPath`` if one does not fit."""
    nodes = tree["nodes"]
    node_id = tree["start"]
    result = Walk()
    for position, key in enumerate(answer_keys):
        node = nodes[node_id]
        answer = next((a for a in node["answers"] if a["key"] == key), None)
        if answer is None:
            raise InvalidPath(key)
        result.path.append(
            {
                "node": node_id,
                "question": node["question"],
                "answer": key,
                "label": answer["label"],
            }
        )
        if "outcome" in answer:
            if position != len(answer_keys) - 1:
                raise InvalidPath(key)
            result.outcome = answer["outcome"]
            result.preset = dict(answer.get("preset") or {})
            return result
        node_id = answer["goto"]
    result.node_id = node_id
    result.node = nodes[node_id]
    return result
