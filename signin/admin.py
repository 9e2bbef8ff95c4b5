from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from .models import FactorReset, SignInEvent


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


@admin.register(FactorReset)
class FactorResetAdmin(SignInEventAdmin):
    """Read-only: the communicator's recorded resets of a person's factors."""

    list_display = ("at", "person", "actor", "reason")
    list_filter = ()
    search_fields = ("person__username", "person__last_name", "actor__username")
    list_select_related = ("person", "actor")


# Factors change only through the person's own pages and the communicator's recorded reset,
# which end the sessions a removed factor verified; the admin's device pages would not.
for _model in (TOTPDevice, StaticDevice, WebAuthnCredential):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
