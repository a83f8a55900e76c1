from django.contrib import admin

from tenantdesk.people.models import Invitation, MembershipEvent


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "organisation",
        "role",
        "sent_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    list_filter = ("role",)
    search_fields = ("email", "organisation__name")
    # The link is made from the nonce; neither is shown or edited here.
    exclude = ("nonce", "token_hash")
    readonly_fields = ("accepted_at", "accepted_by", "revoked_at")


@admin.register(MembershipEvent)
class MembershipEventAdmin(admin.ModelAdmin):
    """The audit log: read-only, for every organisation."""

    list_display = ("created_at", "organisation", "kind", "email", "actor_name")
    list_filter = ("kind",)
    search_fields = ("email", "organisation__name", "actor_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
