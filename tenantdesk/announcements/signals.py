"""What the announcements app tells the apps above it (notifications e-mails the tenants).

announcement_published(announcement_id, revision): sent inside the transaction that stored
the announcement (created, or edited with "e-mail the tenants again"), so whatever a
receiver enqueues commits, or rolls back, with it.
"""

from django.dispatch import Signal

announcement_published = Signal()
