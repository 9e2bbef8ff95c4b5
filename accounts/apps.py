from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Account registry")

    def ready(self):
        # Meänkieli falls back to Finnish rather than Swedish (haparanda_social/i18n.py).
        from haparanda_social import i18n

        i18n.install()
