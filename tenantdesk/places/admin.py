from django.contrib import admin

from tenantdesk.places.models import Building, Lease, Premises


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "time_zone"]
    search_fields = ["name", "address"]
    filter_horizontal = ["managers"]


@admin.register(Premises)
class PremisesAdmin(admin.ModelAdmin):
    list_display = ["unit", "building", "floor", "kind"]
    list_filter = ["kind", "building"]
    search_fields = ["unit", "building__name"]


@admin.register(Lease)
class LeaseAdmin(admin.ModelAdmin):
    list_display = ["organisation", "premises", "start", "end"]
    search_fields = ["organisation__name", "premises__unit"]
    autocomplete_fields = ["organisation", "premises"]
