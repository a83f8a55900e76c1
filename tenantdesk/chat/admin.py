"""Messages in the admin site: to read and search. Only the chat's services write them."""

from django.contrib import admin

from tenantdesk.chat.models import Attachment, Message, SavedReply
from tenantdesk.core.admin import ReadOnlyTabularInline


class AttachmentInline(ReadOnlyTabularInline):
    model = Attachment
    fields = ("kind", "content_type", "size", "width", "height", "original_name", "created_at")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    # Internal notes (managers only) are shown here, marked, for the staff who run the site.
    list_display = (
        "id",
        "service_request",
        "kind",
        "internal",
        "author",
        "short_text",
        "created_at",
    )
    list_filter = ("kind", "by_manager", "internal", "created_at")
    search_fields = ("text", "author__username", "service_request__title")
    list_select_related = ("service_request", "author")
    date_hierarchy = "created_at"
    inlines = [AttachmentInline]
    fields = (
        "service_request",
        "kind",
        "author",
        "by_manager",
        "internal",
        "text",
        "event",
        "client_id",
        "created_at",
        "delivered_at",
        "read_at",
    )
    readonly_fields = fields

    @admin.display(description=Message._meta.get_field("text").verbose_name)
    def short_text(self, obj):
        return obj.text[:80]

    def has_add_permission(self, request):
        # Messages come from people in the chat; an admin-made one would skip its checks.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A conversation is a record, and the requests' unread counts (chat/unread.py)
        # count what was sent: a message taken out by hand would leave them off.
        return False


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    """Prepared texts for the managers' composer, each in English and Russian."""

    list_display = ("title", "short_text_en", "short_text_ru", "is_active", "position")
    list_editable = ("is_active", "position")
    list_filter = ("is_active",)
    search_fields = ("title", "text_en", "text_ru")
    fields = ("title", "text_en", "text_ru", "is_active", "position")

    @admin.display(description=SavedReply._meta.get_field("text_en").verbose_name)
    def short_text_en(self, obj):
        return obj.text_en[:60]

    @admin.display(description=SavedReply._meta.get_field("text_ru").verbose_name)
    def short_text_ru(self, obj):
        return obj.text_ru[:60]
