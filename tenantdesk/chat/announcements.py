"""What the chat announces, once committed; apps built on it (notifications) listen.

Receivers run in the thread that committed (a page's request, or a socket's database
thread): they may write (enqueue a job) but never send mail or call a remote service.
"""

from django.dispatch import Signal

# After a message (a person's or a system one) is committed: message=<Message>, whose
# `data` is what the sockets were sent (chat.serializers.message_data).
message_posted = Signal()

# After a person's read position moved: reader=<User>, service_request_id=<int>,
# last_read_id=<int>.
messages_read = Signal()
