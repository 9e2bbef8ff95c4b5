from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts.models import Absence, AccountRole, Department, SocialAccount, User

        from . import models
        from .page_cache import moderation_changed

        # Everything the queue and an item's page show (``page_cache``).
        watched = (
            models.Claim,
            models.Item,
            models.ItemVersion,
            models.ModerationAction,
            models.Evidence,
            models.OutboundAction,
            models.DailyCheck,
            models.ResponseModelVersion,
            SocialAccount,
            AccountRole,
            Absence,
            Department,
            User,
        )
        for model in watched:
            post_save.connect(moderation_changed, sender=model, dispatch_uid=f"page-{model}")
            post_delete.connect(moderation_changed, sender=model, dispatch_uid=f"page-d-{model}")
