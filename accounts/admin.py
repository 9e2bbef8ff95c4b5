"""Django admin for support staff. Decisions are read-only and nothing is deleted (R23): the
registry's transitions belong to the services and the pages that call them."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import (
    Absence,
    AccountDecision,
    AccountRole,
    Department,
    DirectoryEntry,
    DirectoryImport,
    SocialAccount,
    User,
)
from .public_cache import registry_changed


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(NoDeleteMixin, BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Municipality"), {"fields": ("title", "department", "manager", "is_communicator")}),
    )
    list_display = ("username", "first_name", "last_name", "department", "is_communicator")
    list_filter = ("is_communicator", "department", "is_active")
    autocomplete_fields = ("manager",)
    # The staff directory keeps the department and the manager; an edit here would be undone by
    # the next import, and the manager decides who confirms assignments (issue 12).
    readonly_fields = ("department", "manager")


@admin.register(Department)
class DepartmentAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The public list shows departments by name and filters by short name.
        registry_changed()


class AccountRoleInline(admin.TabularInline):
    model = AccountRole
    fk_name = "account"
    extra = 0
    can_delete = False
    fields = ("user", "role", "manager", "assignment_status", "assignment_decided_at", "ended_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AccountDecisionInline(admin.TabularInline):
    model = AccountDecision
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "actor", "comment")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SocialAccount)
class SocialAccountAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("display_name", "platform", "department", "status", "approved_at")
    list_filter = ("status", "platform", "department")
    search_fields = ("display_name", "handle", "url")
    inlines = [AccountRoleInline, AccountDecisionInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    # Accounts change only through the registry's pages and services, which document each
    # change as a decision; here they can be read.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccountRole)
class AccountRoleAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("user", "role", "account", "manager", "assignment_status", "ended_at")
    list_filter = ("role", "assignment_status")
    search_fields = ("user__username", "user__last_name", "account__display_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Absence)
class AbsenceAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("user", "starts_on", "ends_on", "registered_by")
    search_fields = ("user__username", "user__last_name")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(AccountDecision)
class AccountDecisionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "account", "kind", "actor")
    list_filter = ("kind",)
    search_fields = ("account__display_name", "comment")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DirectoryEntry)
class DirectoryEntryAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Read-only: the directory changes only by an import of the HR system's file."""

    list_display = ("employee_id", "name", "department", "manager", "active", "user")
    list_filter = ("active", "department")
    search_fields = ("employee_id", "name", "email")
    list_select_related = ("department", "manager", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DirectoryImport)
class DirectoryImportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "source", "actor", "added", "changed", "left", "error")
    list_filter = ("source",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
