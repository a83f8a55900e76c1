"""E-mail in the admin site: what was decided, sent, skipped or failed, and people's choices."""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from tenantdesk.notifications.models import EmailDelivery, EmailPreferences

SHORT_ERROR_CHARS = 120


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    """Read-only: rows are written by the task worker. A row whose worker died while sending
    it is never sent again: the stale-job sweep marks it failed, with the reason in "last
    error" (docs/email.md)."""

    list_display = (
        "id",
        "kind",
        "user",
        "service_request",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "short_error",
    )
    list_filter = ("status", "kind", "created_at")
    search_fields = ("key", "user__username", "user__email")
    list_select_related = ("user", "service_request")
    date_hierarchy = "created_at"
    fields = (
        "key",
        "kind",
        "user",
        "service_request",
        "up_to_message_id",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "claimed_at",
        "sent_at",
    )
    readonly_fields = fields

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        # Why it failed (or is being retried), at a glance in the list.
        return Truncator(obj.last_error).chars(SHORT_ERROR_CHARS) if obj.last_error else ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EmailPreferences)
class EmailPreferencesAdmin(admin.ModelAdmin):
    list_display = ("user", "missed_messages", "status_changes", "new_requests", "updated_at")
    list_filter = ("missed_messages", "status_changes", "new_requests")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
