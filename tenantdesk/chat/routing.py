from django.urls import path

from tenantdesk.chat.consumers import RequestChatConsumer
from tenantdesk.chat.inbox_consumer import InboxConsumer

websocket_urlpatterns: list = [
    path("ws/request/<int:service_request_id>/", RequestChatConsumer.as_asgi()),
    # Every signed-in page: the live list, the navigation badge, notifications.
    path("ws/inbox/", InboxConsumer.as_asgi()),
]
