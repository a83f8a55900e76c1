"""What the requests app announces; apps built on it (the chat) listen.

Requests never import the chat: a status change is announced here and the chat turns it
into a system message (tenantdesk/chat/signals.py).
"""

from django.dispatch import Signal

# Sent inside the status change's transaction with status_change=<StatusChange>, so that
# whatever a listener writes is committed (or rolled back) together with the change.
status_changed = Signal()

# After a new request is committed: service_request=<ServiceRequest>.
service_request_created = Signal()

# Sent inside the change's transaction with change=<RequestChange> (assignment, priority …),
# like status_changed: the chat posts it as a system message committed together with it.
request_changed = Signal()
