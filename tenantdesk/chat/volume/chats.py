"""A request's chat in the data set: its messages in time order, the counts the unread
state keeps, read positions and the receipts that match them, its followers."""

from __future__ import annotations

from datetime import timedelta

from tenantdesk.chat.models import Attachment, Message, ReadCursor
from tenantdesk.chat.serializers import system_text
from tenantdesk.service_requests.models import RequestFollower, ServiceRequest

Status = ServiceRequest.Status


class ChatRows:
    """The chat part of VolumeSeeder (self.rng, self.photo, self.names, self.managers and
    self._take are the seeder's)."""

    def _messages(self, tables, request_id: int, rows, changer) -> tuple[list, dict]:
        """Message rows in time order; the counts per side (chat/unread.py)."""
        rng = self.rng
        out = []
        counted = {False: 0, True: 0}
        for row in rows:
            pk = self._take(Message)
            if row[1] is None:  # a status step: a system message, as the service writes it
                at, _nobody, status = row
                event = {
                    "type": "status",
                    "from": Status.PENDING,
                    "to": status,
                    "actor": self.names[changer],
                    "actor_id": changer,
                }
                text = system_text(event, "")
                out.append((pk, request_id, None, "system", text, False, False, event, None, at))
                continue
            at, who, by_manager, internal, text = row
            out.append((pk, request_id, who, "user", text, by_manager, internal, None, None, at))
            if not internal:
                counted[by_manager] += 1
            if rng.random() < 0.02:
                tables[Attachment].append(
                    (
                        self._take(Attachment),
                        pk,
                        Attachment.Kind.PHOTO,
                        self.photo[0],
                        self.photo[1],
                        "image/jpeg",
                        "jpg",
                        48_213,
                        800,
                        600,
                        "photo.jpg",
                        at,
                    )
                )
        return out, counted

    def _cursors(self, tables, request_id, messages, author, assignee, members, is_open):
        """Read positions: the author and the assignee (all read once closed, part of the
        chat while open), a glance by another manager now and then; receipts to match."""
        rng = self.rng
        readers: dict[int, int] = {}
        people = [m for m in messages if m[3] == "user" and not m[6]]
        if messages:
            for reader, share in ((author, 0.5), (assignee, 0.3)):
                if reader is None:
                    continue
                if not is_open or rng.random() < share:
                    readers[reader] = messages[-1][0]
                elif rng.random() < 0.8:
                    readers[reader] = messages[int(rng.random() * len(messages))][0]
            if rng.random() < 0.2:
                readers.setdefault(rng.choice(self.managers), rng.choice(messages)[0])
            if rng.random() < 0.1 and len(members) > 1:
                readers.setdefault(rng.choice(members), rng.choice(messages)[0])
        managers = set(self.managers)
        # Read by the other side up to: a customer's message by any manager, and back.
        read_up_to = {
            True: max((p for r, p in readers.items() if r not in managers), default=0),
            False: max((p for r, p in readers.items() if r in managers), default=0),
        }
        for reader, position in readers.items():
            counts = {False: 0, True: 0}
            for m in people:
                if m[0] <= position:
                    counts[m[5]] += 1
            tables[ReadCursor].append(
                (
                    self._take(ReadCursor),
                    reader,
                    request_id,
                    position,
                    counts[False],
                    counts[True],
                    self.now,
                )
            )
        delay = timedelta(seconds=3)
        for m in messages:
            pk, *_rest = m
            delivered = read = None
            if m[3] == "user" and not m[6]:
                if pk <= read_up_to[m[5]]:
                    delivered = read = m[9] + delay
                elif not is_open or rng.random() < 0.7:
                    delivered = m[9] + delay
            tables[Message].append((*m, delivered, read))

    def _followers(self, tables, request_id, messages, author, created_at):
        """Followers as the services make them (and migration chat 0007 made them for older
        requests): the author from the start, each customer who wrote from their first
        message."""
        since = {author: created_at}
        for m in messages:
            if m[3] == "user" and not m[5]:
                since.setdefault(m[2], m[9])
        for user_id, at in since.items():
            tables[RequestFollower].append((self._take(RequestFollower), request_id, user_id, at))
