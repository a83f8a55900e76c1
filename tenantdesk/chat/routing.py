from django.urls import path

from tenantdesk.chat.ws.inbox_socket import InboxSocket
from tenantdesk.chat.ws.request_socket import RequestSocket

websocket_urlpatterns: list = [
    path("ws/request/<int:service_request_id>/", RequestSocket.as_asgi()),
    # Every signed-in page: the live list, the navigation badge, notifications.
    path("ws/inbox/", InboxSocket.as_asgi()),
]
