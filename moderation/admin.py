from django.contrib import admin
from django.db import models

from .models import (
    DailyCheck,
    Evidence,
    IngestToken,
    Item,
    ItemVersion,
    ModerationAction,
    ResponseModelVersion,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records are written by the services only; the admin shows them."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ItemVersionInline(admin.TabularInline):
    model = ItemVersion
    extra = 0
    can_delete = False
    readonly_fields = ("number", "change", "text", "link", "changed_at", "recorded_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ("platform_id", "account", "kind", "author_name", "published_at", "status")
    list_filter = ("status", "kind", "source", "has_personal_data")
    search_fields = ("platform_id", "author_name", "text")
    list_select_related = ("account",)
    inlines = [ItemVersionInline]


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ("item", "kind", "outcome", "actor", "created_at")
    list_filter = ("kind", "outcome")
    list_select_related = ("item", "actor")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("item", "taken_by", "taken_at", "data_sha256")


@admin.register(ResponseModelVersion)
class ResponseModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("number", "published_by", "published_at")


@admin.register(DailyCheck)
class DailyCheckAdmin(ReadOnlyAdmin):
    list_display = ("account", "day", "checked_by", "checked_at")
    list_select_related = ("account", "checked_by")


@admin.register(IngestToken)
class IngestTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("token_hash",)
