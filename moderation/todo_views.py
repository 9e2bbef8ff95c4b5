"""The platform to-do list: what is still to be done by hand on the platform, and marking it
done. Thin views over ``moderation.todo`` and ``connectors.services.outbound_confirm``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from connectors.services import OutboundNotWaiting, outbound_confirm
from connectors.views import already_done_message

from .permissions import get_todo_for_user
from .todo import TodoDoneForm, TodoFilter, filter_querystring, todo_accounts, todo_page


def _render_list(request, params, *, failed=None, failed_form=None, status=200):
    # Queries: session, user, the person's accounts, the counts for the whole filter, and one
    # page of entries with item, account and requester: five, however many entries there are.
    accounts = todo_accounts(request.user)
    form = TodoFilter(params or None, accounts=accounts)
    filters = form.filters()
    page = todo_page(request.user, filters)
    for entry in page.entries:
        entry.done_form = (
            failed_form if failed and entry.pk == failed.pk else TodoDoneForm(prefix=f"e{entry.pk}")
        )
    return render(
        request,
        "moderation/todo.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "querystring": filter_querystring(filters),
            "sida": page.number,
            "previous_qs": filter_querystring(filters, sida=page.number - 1),
            "next_qs": filter_querystring(filters, sida=page.number + 1),
            "nav": "todo",
        },
        status=status,
    )


@login_required
def todo_list(request):
    """Att göra på plattformen: the person's entries, oldest first, filterable and paged."""
    return _render_list(request, request.GET)


@login_required
@require_POST
def todo_done(request, pk):
    """Mark one entry done by hand, optionally with the address of the posted reply. A wrong
    address shows the list again with the error and the typed address kept."""
    entry = get_todo_for_user(request.user, pk)
    accounts = todo_accounts(request.user)
    back_filter = TodoFilter(request.POST, accounts=accounts).filters()
    back = reverse("moderation:todo")
    querystring = filter_querystring(back_filter, sida=back_filter.get("sida"))
    if querystring:
        back = f"{back}?{querystring}"
    form = TodoDoneForm(request.POST, prefix=f"e{entry.pk}")
    if form.is_valid():
        try:
            outbound_confirm(outbound=entry, actor=request.user, url=form.cleaned_data["adress"])
        except OutboundNotWaiting as exc:
            messages.error(request, already_done_message(exc.outbound))
            return redirect(back)
        except ValidationError as exc:
            form.add_error("adress", exc)
        else:
            messages.success(request, _("Marked as done and recorded in the item's history."))
            return redirect(back)
    return _render_list(request, back_filter, failed=entry, failed_form=form, status=400)
