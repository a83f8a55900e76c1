"""Messages in the admin site: to read and search. Only the chat's services write them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tenantdesk.accounts.models import User
from tenantdesk.chat.models import Attachment, Message, SavedReply
from tenantdesk.core.admin import LongListAdmin, ReadOnlyTabularInline


class AttachmentInline(ReadOnlyTabularInline):
    model = Attachment
    fields = ("kind", "content_type", "size", "width", "height", "original_name", "created_at")


@admin.register(Message)
class MessageAdmin(LongListAdmin):
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
    # By the request's number or the author's user name, answered from indexes: a search
    # of every message's text would read the whole table (no date hierarchy either, which
    # reads every message's date; the "sent" filter narrows by date instead).
    search_fields = ("=service_request__id", "=author__username")
    search_help_text = _("A request's number, or an author's user name.")
    list_select_related = ("service_request", "author")
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

    def get_search_results(self, request, queryset, search_term):
        # Each on its own index: an OR across the join to the authors made PostgreSQL read
        # every message. A number is a request's; anything else an author's user name.
        term = search_term.strip().lstrip("#")
        if not term:
            return queryset, False
        if term.isdigit() and len(term) < 18:
            return queryset.filter(service_request_id=int(term)), False
        authors = User.objects.filter(username__iexact=term).values_list("pk", flat=True)
        return queryset.filter(author_id__in=list(authors)), False

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
