"""Incidents in the admin site: read-only, since every change goes through the services
(links and closes are the requests' history too)."""

from django.contrib import admin

from tenantdesk.incidents.models import Incident, IncidentLink, IncidentUpdate


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LinkInline(_ReadOnlyInline):
    model = IncidentLink
    fields = ["service_request", "linked_by", "linked_at"]
    readonly_fields = fields


class UpdateInline(_ReadOnlyInline):
    model = IncidentUpdate
    fields = ["author", "text", "created_at"]
    readonly_fields = fields


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["title", "building", "type", "status", "created_at", "closed_at"]
    list_filter = ["status", "type", "building"]
    search_fields = ["title", "building__name"]
    list_select_related = ["building"]
    inlines = [LinkInline, UpdateInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
