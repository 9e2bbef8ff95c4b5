from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.page_cache import cached_for_person
from haparanda_social.paging import paginate

from . import selectors, services
from .forms import ChangeSnapshotForm, FlaggedDownloadForm
from .permissions import (
    get_archive_account_for_user,
    get_snapshot_for_user,
    may_see_any_archive,
)

COUNT_LABELS = {
    "decisions": gettext_lazy("Decisions"),
    "items": gettext_lazy("Posts, comments and messages"),
    "versions": gettext_lazy("Versions"),
    "moderation_actions": gettext_lazy("Moderation actions"),
    "evidence": gettext_lazy("Removed items documented"),
    "outbound_actions": gettext_lazy("Actions on the platform"),
}


@login_required
@require_GET
@cached_for_person
def overview(request):
    if not may_see_any_archive(request.user):
        raise PermissionDenied
    page, page_query = paginate(request, selectors.snapshots_visible_to(request.user))
    return render(
        request,
        "archiving/overview.html",
        {"snapshots": page, "page_obj": page, "page_query": page_query},
    )


def _account_page(request, account, form, status=200):
    context = {
        "account": account,
        "snapshots": selectors.snapshots_for_account(account),
        "form": form,
    }
    return render(request, "archiving/account_snapshots.html", context, status=status)


@login_required
@require_GET
def account_snapshots(request, account_pk):
    account = get_archive_account_for_user(request.user, account_pk)
    return _account_page(request, account, ChangeSnapshotForm())


@login_required
@require_POST
def request_change_snapshot(request, account_pk):
    account = get_archive_account_for_user(request.user, account_pk)
    form = ChangeSnapshotForm(request.POST)
    if not form.is_valid():
        return _account_page(request, account, form, status=400)
    try:
        services.request_change_snapshot(
            account=account, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _account_page(request, account, form, status=400)
    messages.success(request, _("The snapshot has been requested."))
    return redirect("archiving:account_snapshots", account_pk=account.pk)


@login_required
@require_GET
def snapshot_detail(request, package_id):
    snapshot = get_snapshot_for_user(request.user, package_id)
    context = {
        "snapshot": snapshot,
        # A list of pairs: in a template ``counts.items`` would look up the key "items".
        "counts": [
            (COUNT_LABELS.get(key, key), value) for key, value in sorted(snapshot.counts.items())
        ],
        "checks": snapshot.fixity_checks.all()[:50],
    }
    return render(request, "archiving/snapshot_detail.html", context)


def _download_warning(request, snapshot, form, status=200):
    context = {"snapshot": snapshot, "form": form}
    return render(request, "archiving/download_warning.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def download(request, package_id):
    """The package as a ZIP. A package the fixity check has flagged is first shown with a
    warning; downloading it anyway takes a reason and is recorded (``FlaggedDownload``)."""
    snapshot = get_snapshot_for_user(request.user, package_id)
    if not snapshot.is_complete:
        raise Http404
    if snapshot.is_flagged and request.method != "POST":
        return _download_warning(request, snapshot, FlaggedDownloadForm())
    if not snapshot.is_flagged and request.method != "GET":
        return redirect("archiving:download", package_id=snapshot.package_id)
    form = FlaggedDownloadForm(request.POST) if snapshot.is_flagged else None
    if form is not None and not form.is_valid():
        return _download_warning(request, snapshot, form, status=400)
    try:
        handle = snapshot.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc  # nothing is handed out, so nothing is recorded
    if form is not None:
        try:
            services.record_flagged_download(
                snapshot=snapshot, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            handle.close()
            form.add_error(None, exc)
            return _download_warning(request, snapshot, form, status=400)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=snapshot.download_filename,
        content_type="application/zip",
    )
