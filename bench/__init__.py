"""`make bench`: Tenant Desk measured beside a raw ASGI app and a bare Channels consumer."""
