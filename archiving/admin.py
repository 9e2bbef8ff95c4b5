from django.contrib import admin

from .models import FixityCheck, FlaggedDownload, Snapshot


class ReadOnlyAdmin(admin.ModelAdmin):
    """A package never changes after it is made; the admin only shows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ["account", "kind", "period_start", "period_end", "status", "fixity_status"]
    list_filter = ["kind", "status", "fixity_status"]
    list_select_related = ["account"]
    search_fields = ["account__display_name", "package_id", "sha256"]


@admin.register(FixityCheck)
class FixityCheckAdmin(ReadOnlyAdmin):
    list_display = ["snapshot", "checked_at", "result"]
    list_filter = ["result"]
    list_select_related = ["snapshot", "snapshot__account"]


@admin.register(FlaggedDownload)
class FlaggedDownloadAdmin(ReadOnlyAdmin):
    list_display = ["snapshot", "actor", "downloaded_at", "fixity_status"]
    list_select_related = ["snapshot", "snapshot__account", "actor"]
