"""What the people app announces, inside the transaction of the change.

invitation_sent(invitation_id, nonce): an invitation was made or sent again with a new
link; the notifications app enqueues the e-mail of that link (it may import this app,
never the other way round). Receivers only add rows (jobs), so they commit or roll back
with the change.
"""

from django.dispatch import Signal

invitation_sent = Signal()

# manager_deactivated(manager, actor): a company admin deactivated a manager; the
# service_requests app unassigns their open requests (in the same transaction).
manager_deactivated = Signal()
