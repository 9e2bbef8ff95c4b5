from django.contrib import admin

from .models import SignInEvent


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """Read-only: the records are append-only (who signed in when, how, with which factors)."""

    list_display = ("at", "user", "kind", "method", "address", "two_factors", "acr")
    list_filter = ("kind", "method", "two_factors")
    search_fields = ("user__username", "user__first_name", "user__last_name", "user__email")
    date_hierarchy = "at"
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
