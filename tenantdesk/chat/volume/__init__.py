"""A year of a mid-size management company's data, written straight into the database
(`manage.py seed_volume`, SPEC "Data volume"): organisations and their people, managers,
buildings with premises and leases (places.py), every request located,
requests over a year with their status history, chats with read positions, receipts,
attachments, ratings and followers (each request's author and the members who wrote in
it), every kept count (chat/unread.py) consistent with the messages.

Fast because nothing goes through the services or the ORM's per-object saves: rows are
made as tuples in batches of requests and written with COPY on PostgreSQL (executemany
elsewhere), with ids chosen here. Repeatable: one random generator, seeded; only the times
move with the day it runs. The people share one password hash (PBKDF2 is not what a data
set is for).
"""
