"""The hold that requests for allmänna handlingar put on items (R21, R22).

An item in a request that is not yet closed must not be culled or changed until the request is
delivered. The retention app finds this module in every installed app and asks it.
"""

from __future__ import annotations

from django.db.models import QuerySet


def held_item_ids() -> QuerySet:
    """The primary keys of every moderation item in a request that is still open."""
    from moderation.models import Item

    from .models import RequestItem, RequestStatus

    return Item.objects.filter(
        pk__in=RequestItem.objects.filter(
            request__status=RequestStatus.OPEN, removed_at__isnull=True
        ).values("item_id")
    ).values_list("pk", flat=True)
