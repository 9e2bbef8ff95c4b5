from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "records"
    verbose_name = _("Public records")

    def ready(self) -> None:
        # The delivered files are an information type of retention (R22).
        from . import retention_kinds

        retention_kinds.register()
