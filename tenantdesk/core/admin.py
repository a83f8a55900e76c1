from django.contrib import admin


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
