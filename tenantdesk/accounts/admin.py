from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tenantdesk.accounts.forms import AdminSignInForm
from tenantdesk.accounts.models import Organisation, SignInEvent, SignInGate, User
from tenantdesk.core.admin import ReadOnlyTabularInline

admin.site.login_form = AdminSignInForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("organisation", "organisation_role", "company_admin")}),
    )
    # The name people are shown by (display_name) beside the login.
    list_display = (
        "username",
        "shown_as",
        "email",
        "organisation",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("is_staff", "is_active", "groups", "organisation")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    # Records, not settings. (Editable, Django's split date and time inputs have no labels.)
    readonly_fields = ("last_login", "date_joined")
    actions = ["deactivate"]

    @admin.display(description=_("name"), ordering="first_name")
    def shown_as(self, user):
        return user.display_name

    @admin.action(description=_("Deactivate the selected users"), permissions=["change"])
    def deactivate(self, request, queryset):
        # In bulk: UserQuerySet.update() announces the users, whose sockets close at once
        # (accounts/revocation.py). Deactivation keeps their requests and messages, which
        # deleting them could not.
        count = queryset.update(is_active=False)
        self.message_user(request, gettext("Users deactivated: %(count)d.") % {"count": count})


class MemberInline(ReadOnlyTabularInline):
    model = User
    fields = ("username", "email", "is_active", "last_login")
    show_change_link = True


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "address", "created_at")
    search_fields = ("name", "address", "phone")
    inlines = [MemberInline]


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """The sign-in log: read-only, newest first."""

    list_display = ("created_at", "kind", "username", "ip_address", "user_agent")
    list_filter = ("kind", "created_at")
    search_fields = ("username", "ip_address", "user_agent")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SignInGate)
class SignInGateAdmin(admin.ModelAdmin):
    """The lock-out's live counts per address, read-only. Deleting a row lifts that
    address's block at once (deleting axes' access attempts no longer does)."""

    list_display = ("ip_address", "failures", "attempts", "blocked_until", "expires_at")
    search_fields = ("ip_address",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
