"""Reads for the one-page triage (issue 9): where the item stands in the person's filtered
queue, and the response model's shortcuts as links.

The queue's filter travels with the person from the queue to the item and on to the next item,
so "next" means the next item of the same filtered queue. A filter field with an unknown or
broken value is left out rather than refusing the item page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse

from .models import Item, ResponseModelVersion
from .queue import QueueFilter, filter_querystring, queue_neighbours
from .response_model import shortcuts_of


@dataclass
class QueueNavigation:
    """The filter as a querystring and hidden fields, and the neighbouring items' ids."""

    querystring: str = ""
    previous_id: int | None = None
    next_id: int | None = None
    params: list[tuple[str, str]] = field(default_factory=list)

    def _with_filter(self, url: str) -> str:
        return f"{url}?{self.querystring}" if self.querystring else url

    def item_url(self, pk: int) -> str:
        return self._with_filter(reverse("moderation:item_detail", args=[pk]))

    @property
    def previous_url(self) -> str:
        return self.item_url(self.previous_id) if self.previous_id else ""

    @property
    def next_url(self) -> str:
        return self.item_url(self.next_id) if self.next_id else ""

    @property
    def queue_url(self) -> str:
        return self._with_filter(reverse("moderation:queue"))


def _cleaned_filter(data: QueryDict) -> dict:
    # The fields that are valid; a refused one is left out rather than refusing the item page.
    form = QueueFilter(data)
    form.is_valid()
    return form.valid_filter()


def queue_navigation(user, data: QueryDict, item: Item) -> QueueNavigation:
    """The filter read back from ``data`` and the item's neighbours in that filtered queue."""
    cleaned = _cleaned_filter(data)
    querystring = filter_querystring(cleaned)
    previous_id, next_id = queue_neighbours(user, cleaned, item)
    params = [(name, value) for name, values in QueryDict(querystring).lists() for value in values]
    return QueueNavigation(
        querystring=querystring, previous_id=previous_id, next_id=next_id, params=params
    )


def walk_url(
    item: Item, model: ResponseModelVersion, answers: list[str], nav: QueueNavigation
) -> str:
    """The item page with these answers given, and the queue's filter kept."""
    base = reverse("moderation:item_detail", args=[item.pk])
    query = [*nav.params]
    if answers:
        query += [("model", str(model.number)), *(("a", a) for a in answers)]
    return f"{base}?{urlencode(query)}" if query else base


def shortcut_links(item: Item, model: ResponseModelVersion, nav: QueueNavigation) -> list[dict]:
    """Each shortcut of the model as a link that fills in its answers for the person to
    confirm; it works without JavaScript, as the answers go in the address."""
    return [
        {**shortcut, "url": walk_url(item, model, shortcut["path"], nav)}
        for shortcut in shortcuts_of(model.tree)
    ]
