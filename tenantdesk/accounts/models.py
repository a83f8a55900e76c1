from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from tenantdesk.accounts.revocation import announced_update
from tenantdesk.core.models import TimeStampedModel


class Organisation(TimeStampedModel):
    """A tenant company; its members are users whose `organisation` points here."""

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    phone = PhoneNumberField(_("contact phone"))

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet):
    """Users, with update() as careful as save(): changing in bulk a field that decides
    whether sign-ins hold (deactivation, a new password, role or organisation) announces
    the users it matched, so their open sockets close (accounts/revocation.py). Django's
    bulk_update() and admin actions go through update() too."""

    def update(self, **kwargs):
        return announced_update(self, kwargs, super().update)


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    """Django's user manager (create_user, …) over UserQuerySet."""


class OrganisationRole(models.TextChoices):
    """A customer's role inside their organisation (SPEC "Organisations and people")."""

    MEMBER = "member", _("Member")
    ADMIN = "admin", _("Organisation admin")


class Theme(models.TextChoices):
    """The interface's colours (docs/look.md): the system's unless the person chose."""

    SYSTEM = "system", _("As the system")
    LIGHT = "light", _("Light")
    DARK = "dark", _("Dark")


class User(AbstractUser):
    """A person who signs in: a customer (has an organisation) or a manager (in the group)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        related_name="members",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    # Meaningful only with an organisation: an admin manages its people (/org/members).
    organisation_role = models.CharField(
        _("role in the organisation"),
        max_length=10,
        choices=OrganisationRole.choices,
        default=OrganisationRole.MEMBER,
    )
    # When the person last proved the address is theirs (a link sent to it was opened);
    # None: nothing but that link is sent to it (SPEC "Organisations and people").
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed"), null=True, blank=True)
    # A manager who runs the company's team in the app (/company/team); superusers are
    # company admins too (accounts.roles.is_company_admin).
    company_admin = models.BooleanField(_("company admin"), default=False)
    # The interface language the person last used (a code from LANGUAGES), so that
    # e-mails reach them in it; empty until they have used the site.
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Mixed into the session hash when set (below): a new value ends every other session
    # of the person, as a new password does. Changed when two-factor sign-in is turned on
    # or off (accounts/two_factor.py); empty for everyone else, whose sessions keep
    # Django's own hash.
    session_stamp = models.CharField(_("session stamp"), max_length=32, blank=True, default="")
    # Written on <html data-theme> by base.html, so the first paint has the right colours.
    theme = models.CharField(_("theme"), max_length=6, choices=Theme.choices, default=Theme.SYSTEM)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A confirmed address belongs to one account (letters' case ignored): two
            # people confirming the same address at once cannot both succeed. Unconfirmed
            # addresses may repeat (registering does not tell whether one is in use).
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(email_confirmed_at__isnull=False) & ~models.Q(email=""),
                name="accounts_one_account_per_confirmed_address",
            ),
        ]

    @property
    def display_name(self) -> str:
        """How the person is shown everywhere (nav, chat, history, e-mail): first and last
        name, or the user name when they have given none."""
        return self.get_full_name().strip() or self.get_username()

    def _get_session_auth_hash(self, secret=None):
        # Django's session hash (an HMAC of the password hash) is what a session keeps to
        # stay valid; both get_session_auth_hash() and the SECRET_KEY_FALLBACKS variants
        # come through here. Without a stamp it is exactly Django's, so nobody's session
        # ends when this ships.
        if not self.session_stamp:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "tenantdesk.accounts.User.session_stamp",
            f"{self.password}:{self.session_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class SignInEvent(models.Model):
    """One line of the sign-in log: who tried what, from where, and how it ended."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", _("Signed in")
        SIGNED_OUT = "signed_out", _("Signed out")
        FAILED = "failed", _("Failed sign-in")
        LOCKED_OUT = "locked_out", _("Locked out")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    username = models.CharField(_("user name tried"), max_length=150, blank=True)
    user = models.ForeignKey(
        User, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in log")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["ip_address", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username} {self.ip_address}"


class SignInGate(models.Model):
    """The lock-out's count for one client address, taken before any password is checked.

    One row per address and cool-off window. `attempts` are the sign-ins admitted to the
    password check in this window and not given back by a success (so checks still
    running count too); `failures` are the ones that failed. See accounts/gate.py.
    """

    # The client address as accounts.client_ip gives it; "" when it is unknown (every
    # such client shares one count, as in axes).
    ip_address = models.CharField(_("IP address"), max_length=45, unique=True)
    window_started_at = models.DateTimeField(_("window started"))
    attempts = models.PositiveIntegerField(_("attempts admitted"), default=0)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    blocked_until = models.DateTimeField(_("blocked until"), null=True, blank=True)
    # When the window ends and the row may be reused or deleted.
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("sign-in block")
        verbose_name_plural = _("sign-in blocks")
        ordering = ["-expires_at"]

    def __str__(self) -> str:
        return f"{self.ip_address or '?'}: {self.failures}/{self.attempts}"

    @staticmethod
    def key_for(ip_address: str | None) -> str:
        return ip_address or ""
