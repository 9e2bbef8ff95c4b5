from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchivingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "archiving"
    verbose_name = _("Archiving")
