"""Who is signed in where: the sessions a person can see and end, and the append-only record of
each sign-in, sign-out and ended session (who, when, what, why)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haparanda_social.db import AppendOnlyModel


class Method(models.TextChoices):
    PASSWORD = "password", _("password")
    OIDC = "oidc", _("the municipality's account")


class UserSession(models.Model):
    """One signed-in browser. The session store cannot be searched by user, so each sign-in
    notes its session key here; the row goes when the session is ended or signed out."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signin_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    started_at = models.DateTimeField(_("signed in"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.started_at:%Y-%m-%d %H:%M}"


class SignInEvent(AppendOnlyModel):
    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", _("signed in")
        SIGNED_OUT = "signed_out", _("signed out")
        ENDED = "ended", _("session ended")
        SECOND_FACTOR = "second_factor", _("second factor given")
        FACTOR_ADDED = "factor_added", _("factor added")
        FACTOR_REMOVED = "factor_removed", _("factor removed")
        RECOVERY_CODES = "recovery_codes", _("new recovery codes")
        FACTORS_RESET = "factors_reset", _("factors reset")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signin_events"
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("why"), max_length=300, blank=True)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    # What the identity provider said about how the person proved who they are (OpenID Connect
    # `amr`/`acr`), and whether that counts as two factors under OIDC_TWO_FACTOR_AMR/ACR.
    amr = models.JSONField(default=list, blank=True)
    acr = models.CharField(max_length=200, blank=True)
    two_factors = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class FactorReset(AppendOnlyModel):
    """The communicator's decision to remove every factor a person has (a lost phone, a broken
    key): who decided, when, whose factors and why. The person enrols again at the next
    sign-in. Append-only like the registry's decisions (R23)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="factor_resets",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    reason = models.TextField(_("why"))
    # What was removed, e.g. {"totp": 1, "static": 1, "webauthn": 2}, for the record.
    removed = models.JSONField(_("removed"), default=dict, blank=True)

    class Meta:
        verbose_name = _("reset of factors")
        verbose_name_plural = _("resets of factors")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person} {self.at:%Y-%m-%d %H:%M}"
