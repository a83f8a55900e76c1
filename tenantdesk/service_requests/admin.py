from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tenantdesk.accounts.admin import OrganisationAdmin
from tenantdesk.accounts.models import Organisation
from tenantdesk.core.admin import ReadOnlyTabularInline
from tenantdesk.core.one_line import OneLineCharField
from tenantdesk.service_requests.admin_ratings import RatingInline
from tenantdesk.service_requests.events import event_text
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest


class RequestEventInline(ReadOnlyTabularInline):
    """The request's one history, written by its services only; here it is read-only."""

    model = RequestEvent
    fields = ("created_at", "kind", "what", "actor")

    @admin.display(description=_("what"))
    def what(self, event):
        return event_text(event)


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "title",
        "organisation",
        "office",
        "type",
        "status",
        "created_at",
        "last_activity_at",
    )
    list_display_links = ("id", "title")
    list_filter = ("status", "type", "organisation", "created_at")
    list_select_related = ("organisation",)
    search_fields = ("=id", "title", "description", "office", "organisation__name")
    date_hierarchy = "created_at"
    ordering = ("-last_activity_at", "-id")
    # The status moves only through the workflow service (history, chat message), and the
    # photo only through the checked upload: neither is edited here.
    readonly_fields = (
        "status",
        "photo_link",
        "organisation",
        "author",
        "created_at",
        "updated_at",
        "last_activity_at",
    )
    fields = (
        "organisation",
        "author",
        "type",
        "title",
        "description",
        "office",
        "status",
        "photo_link",
        "created_at",
        "updated_at",
        "last_activity_at",
    )
    inlines = [RequestEventInline, RatingInline]

    class Media:
        css = {"all": ["service_requests/admin.css"]}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The title is one line here too (the model's clean_fields would make it so anyway;
        # the form field makes the length limit count what will be stored).
        if db_field.name == "title":
            kwargs["form_class"] = OneLineCharField
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # A closed request is read-only everywhere, here too.
        if obj is not None and obj.is_closed:
            return self.fields
        return self.readonly_fields

    @admin.display(description=_("photo"))
    def photo_link(self, obj):
        if not obj.pk or not obj.photo:
            return "—"
        # Through the access-checked view: MEDIA_URL is not served.
        # The image is the link's only content: its alt text names where the link goes.
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}" '
            'class="request-admin-photo"></a>',
            reverse("service_requests:photo", args=[obj.pk]),
            reverse("service_requests:photo_thumbnail", args=[obj.pk]),
            _("Photo of request #%(number)s") % {"number": obj.pk},
        )

    def has_add_permission(self, request):
        # A request needs a checked photo: it is created on the site, not here.
        return False


class ServiceRequestInline(ReadOnlyTabularInline):
    """An organisation's requests, newest activity first, each linking to its admin page."""

    model = ServiceRequest
    fields = ("title", "type", "office", "status", "created_at", "last_activity_at")
    ordering = ("-last_activity_at", "-id")
    show_change_link = True
    verbose_name_plural = _("service requests")


# The organisation page lives in the accounts app; its requests are added here, by
# registering an extended admin, so accounts does not need to import this app.
admin.site.unregister(Organisation)


@admin.register(Organisation)
class OrganisationWithRequestsAdmin(OrganisationAdmin):
    inlines = [*OrganisationAdmin.inlines, ServiceRequestInline]
