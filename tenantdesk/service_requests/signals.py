"""What the requests app announces; the apps built on it listen (the chat's system
messages and live lists, the e-mails; webhooks and reports later).

Requests never import those apps: every change is one RequestEvent, announced here.
"""

from django.dispatch import Signal

# Sent inside the transaction that records the event, with event=<RequestEvent> (its
# service_request loaded, its `payload` typed: service_requests/payloads.py). What a
# listener writes commits or rolls back with the change; a listener that talks to
# something outside the database (a socket, a mail server) waits for the commit.
request_event = Signal()
