from django.contrib import admin

from tenantdesk.core.paging import CappedPaginator


class LongListAdmin(admin.ModelAdmin):
    """The admin list of a table that grows with use (messages, the sign-in log): counted
    up to core.paging's cap ("more than N"), and no second count of the whole table beside
    a filtered one. With two million messages the plain list counted all of them twice,
    and its date hierarchy read every row's date, on every load (issue 18)."""

    paginator = CappedPaginator
    show_full_result_count = False


class ReadOnlyTabularInline(admin.TabularInline):
    """Related rows shown for reading only: services write them, the admin site never does."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
