from django.urls import path

from tenantdesk.service_requests import views

app_name = "service_requests"

urlpatterns = [
    path("new", views.create, name="new"),
    path("list", views.active_list, name="list"),
    path("<int:pk>", views.detail, name="detail"),
]
