"""The ratings in the admin site: every rating, read-only, with the averages per manager and
per month of what the list shows (its filters and date drill-down apply to both)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tenantdesk.core.admin import ReadOnlyTabularInline
from tenantdesk.service_requests.models import Rating

# The summary's month table: the latest months only.
SUMMARY_MONTHS = 12


def rating_summary(queryset) -> dict:
    """Average score and count per manager (most rated first) and per month (newest
    first), over `queryset`. Two grouped queries and one for the managers' names."""
    per_manager = list(
        queryset.order_by()
        .values("manager_id")
        .annotate(average=Avg("score"), count=Count("id"))
        .order_by("-count", "manager_id")
    )
    ids = [row["manager_id"] for row in per_manager if row["manager_id"]]
    users = get_user_model().objects.in_bulk(ids)
    for row in per_manager:
        user = users.get(row["manager_id"])
        row["manager"] = user.display_name if user else None
    per_month = list(
        queryset.order_by()
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(average=Avg("score"), count=Count("id"))
        .order_by("-month")[:SUMMARY_MONTHS]
    )
    return {"per_manager": per_manager, "per_month": per_month}


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """Written by the rating service only: never added or changed here."""

    list_display = ("request_link", "score", "manager", "author", "created_at", "comment")
    # Only the managers who have ratings: a plain user filter would list every customer.
    list_filter = ("score", ("manager", admin.RelatedOnlyFieldListFilter), "created_at")
    list_select_related = ("service_request", "manager", "author")
    search_fields = ("=service_request__id", "service_request__title", "comment")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = ("service_request", "score", "comment", "author", "manager", "created_at")
    readonly_fields = fields

    class Media:
        css = {"all": ["service_requests/admin.css"]}

    @admin.display(description=_("service request"), ordering="service_request_id")
    def request_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:service_requests_servicerequest_change", args=[obj.service_request_id]),
            obj.service_request,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context=extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:  # not on a redirect or an error page
            response.context_data["rating_summary"] = rating_summary(changelist.queryset)
        return response


class RatingInline(ReadOnlyTabularInline):
    """A request's rating on its admin page."""

    model = Rating
    fields = ("score", "comment", "author", "manager", "created_at")
