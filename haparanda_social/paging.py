"""One way to page a list: 50 rows a page, ``?sida=N``, the count from the database.

``Paginator`` counts with one ``COUNT(*)`` and reads one page with ``LIMIT``/``OFFSET``, so a
list page costs the same number of queries at 10 rows as at 100 000. A page number that is not
a number, or past the end, shows the nearest page rather than an error.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PAGE_SIZE = 50
PAGE_PARAM = "sida"


def paginate(request, queryset: QuerySet, *, per_page: int = PAGE_SIZE) -> tuple[Page, str]:
    """The requested page and the query string of the other filters (ending in ``&`` when
    there are any), for the pager's links."""
    page = Paginator(queryset, per_page).get_page(request.GET.get(PAGE_PARAM))
    others = request.GET.copy()
    others.pop(PAGE_PARAM, None)
    encoded = others.urlencode()
    return page, f"{encoded}&" if encoded else ""


def page_number(requested: int | None, total: int, *, per_page: int = PAGE_SIZE) -> tuple[int, int]:
    """The page to show and the number of pages, for lists whose count comes with other counts
    in one query (the queue, the to-do list): a missing or too small number shows the first
    page, one past the end the last."""
    pages = max(1, -(-total // per_page))
    return min(max(1, requested or 1), pages), pages
