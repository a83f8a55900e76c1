from django.urls import path

from tenantdesk.chat.consumers import RequestChatConsumer

websocket_urlpatterns: list = [
    path("ws/request/<int:service_request_id>/", RequestChatConsumer.as_asgi()),
]
