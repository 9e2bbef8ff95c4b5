"""The default retention rules, shipped as suggestions (``is_default``): the interface marks them
"förslag att bekräfta" until the communicator records the municipality's own decision. Put in
place by migration 0003 and again by ``seed_retention_defaults`` (the demo), never over a rule
the municipality has recorded."""

from __future__ import annotations

import datetime as dt

BODY = "Förslag – att bekräfta i kommunens informationshanteringsplan"
REFERENCE = "Förslag, ej beslutat"
DEFAULTS = [
    # kind, months, anchor, disposal, why
    (
        "visitor_items",
        24,
        "end_of_year",
        "preserve",
        "Besökares kommentarer bevaras i årets arkivpaket och gallras sedan ur systemet.",
    ),
    (
        "messages",
        24,
        "end_of_year",
        "preserve",
        "Privata meddelanden bevaras i arkivpaketet; personuppgifter ska inte ligga kvar.",
    ),
    (
        "own_posts",
        36,
        "end_of_year",
        "preserve",
        "Kommunens egna inlägg är upprättade handlingar och bevaras i arkivpaketet.",
    ),
    (
        "evidence",
        24,
        "end_of_year",
        "preserve",
        "Dokumentation av borttagna inlägg bevaras i arkivpaketet innan den gallras.",
    ),
    (
        "moderation_actions",
        36,
        "end_of_year",
        "preserve",
        "Beslut och hantering bevaras i arkivpaketet innan texterna gallras.",
    ),
    (
        "raw_events",
        3,
        "received",
        "cull",
        "Råa webhook-meddelanden är arbetsmaterial med personuppgifter och gallras.",
    ),
    (
        "request_deliveries",
        24,
        "request_closed",
        "cull",
        "Utlämnade kopior gallras när begäran är avslutad och tiden gått.",
    ),
]


def ensure_default_rules(RuleVersion) -> int:
    """Record each default rule whose type has no rule yet; ``RuleVersion`` is the model (the
    migration passes its historical one). Returns how many were added."""
    added = 0
    for kind, months, anchor, disposal, why in DEFAULTS:
        if RuleVersion.objects.filter(kind=kind).exists():
            continue
        RuleVersion.objects.create(
            kind=kind,
            number=1,
            period_months=months,
            anchor=anchor,
            disposal=disposal,
            decision_body=BODY,
            decision_date=dt.date(2017, 4, 24),
            decision_reference=REFERENCE,
            is_default=True,
            why=why,
        )
        added += 1
    return added
