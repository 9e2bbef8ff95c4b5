"""Reads of retention that span relations, already joined for the list pages."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import CullingLogEntry, CullingProposal, LegalHold, RuleVersion


def rule_history(kind: str) -> QuerySet[RuleVersion]:
    return RuleVersion.objects.filter(kind=kind).select_related("changed_by").order_by("-number")


def proposals() -> QuerySet[CullingProposal]:
    return CullingProposal.objects.select_related(
        "created_by", "approval__approved_by", "run"
    ).order_by("-created_at", "-pk")


def latest_proposal() -> CullingProposal | None:
    return proposals().first()


def log_entries() -> QuerySet[CullingLogEntry]:
    return CullingLogEntry.objects.select_related("rule", "approved_by", "run").order_by(
        "-ran_at", "-pk"
    )


def holds(*, active: bool | None = None) -> QuerySet[LegalHold]:
    qs = LegalHold.objects.select_related("account", "placed_by", "release__released_by").annotate(
        item_count=Count("items")
    )
    if active is True:
        qs = qs.filter(release__isnull=True)
    elif active is False:
        qs = qs.filter(release__isnull=False)
    return qs.order_by("-placed_at", "-pk")
