from django.urls import path

from tenantdesk.places import views, views_import, views_qr

app_name = "places"

urlpatterns = [
    path("company/buildings", views.buildings, name="buildings"),
    path("company/buildings/import", views_import.import_page, name="import"),
    path("company/buildings/import/apply", views_import.import_apply, name="import_apply"),
    path("company/buildings/<int:pk>", views.building, name="building"),
    path("company/buildings/<int:pk>/premises", views.building_premises, name="premises"),
    path("company/buildings/<int:pk>/leases", views.building_leases, name="leases"),
    path("company/buildings/<int:pk>/managers", views.building_managers, name="managers"),
    path("company/buildings/<int:pk>/qr", views_qr.building_qr, name="building_qr"),
    path("company/premises/<int:pk>/qr", views_qr.premises_qr, name="qr"),
    path("company/premises/<int:pk>/qr/rotate", views_qr.premises_qr_rotate, name="qr_rotate"),
]
