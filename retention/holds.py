"""What is held, whatever the rules say: the legal holds placed here, and the items other apps
hold (the public-records app holds the items of every open request for allmänna handlingar).

Another app provides a module ``retention_holds`` with ``held_item_ids()`` returning a queryset
of moderation item pks; every installed app's module is discovered once, and each source is
asked afresh at every culling, so a closed request stops holding at once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils.module_loading import autodiscover_modules

from .kinds import Kind
from .models import HeldItem, HoldScope, LegalHold

HoldSource = Callable[[], QuerySet]

_sources: dict[str, HoldSource] = {}
_discovered = False


def register_source(name: str, source: HoldSource) -> None:
    _sources[name] = source


def unregister_source(name: str) -> None:
    _sources.pop(name, None)


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    autodiscover_modules("retention_holds")
    for app_config in apps.get_app_configs():
        module = sys.modules.get(f"{app_config.name}.retention_holds")
        if module is not None and hasattr(module, "held_item_ids"):
            register_source(module.__name__, module.held_item_ids)
    _discovered = True


def sources() -> dict[str, HoldSource]:
    _discover()
    return dict(_sources)


def active_holds() -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(release__isnull=True)


def held_q(kind: Kind) -> Q:
    """A filter matching the records of ``kind`` that some hold covers."""
    from archiving.sources import period_bounds

    held = Q(pk__in=[])
    for hold in active_holds().exclude(scope__in=[HoldScope.SEARCH, HoldScope.ITEMS]):
        q = Q()
        if hold.account_id is not None:
            q &= Q(**{kind.account_field: hold.account_id})
        if hold.date_from or hold.date_to:
            date_field = kind.hold_date_field
            if hold.date_from:
                q &= Q(**{f"{date_field}__gte": period_bounds(hold.date_from, hold.date_from)[0]})
            if hold.date_to:
                q &= Q(**{f"{date_field}__lt": period_bounds(hold.date_to, hold.date_to)[1]})
        held |= q
    if kind.item_field:
        items = HeldItem.objects.filter(hold__release__isnull=True).values("item_id")
        held |= Q(**{f"{kind.item_field}__in": items})
        for source in sources().values():
            held |= Q(**{f"{kind.item_field}__in": source()})
    return held
