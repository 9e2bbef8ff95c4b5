from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "signin"
    verbose_name = _("Sign-in")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from . import middleware, services

        # Django's own hooks for every sign-in and sign-out, local or single sign-on.
        user_logged_in.connect(services.on_user_logged_in, dispatch_uid="signin.logged_in")
        user_logged_out.connect(services.on_user_logged_out, dispatch_uid="signin.logged_out")
        user_logged_in.connect(
            middleware.on_user_logged_in, dispatch_uid="signin.second_step_at_sign_in"
        )
