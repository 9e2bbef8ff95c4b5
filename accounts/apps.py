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

        from django.db.models.signals import post_delete, post_save

        from .page_cache import registry_page_write

        # The dashboard and the archive overview show much of the database (``page_cache``).
        post_save.connect(registry_page_write, dispatch_uid="registry-page-save")
        post_delete.connect(registry_page_write, dispatch_uid="registry-page-delete")
