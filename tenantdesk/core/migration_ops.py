"""Migration operations for big tables: indexes built without locking writes out.

A plain CREATE INDEX on a table of millions of messages holds off every message sent
while it builds; CREATE INDEX CONCURRENTLY does not (it needs a migration with
`atomic = False`). Other databases get the plain statement, as Django would write it.
"""

from __future__ import annotations

from django.db import migrations


class AddIndexConcurrently(migrations.AddIndex):
    """AddIndex, built CONCURRENTLY on PostgreSQL (the migration must not be atomic)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        concurrently = schema_editor.connection.vendor == "postgresql"
        schema_editor.add_index(
            model, self.index, **({"concurrently": True} if concurrently else {})
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        concurrently = schema_editor.connection.vendor == "postgresql"
        schema_editor.remove_index(
            model, self.index, **({"concurrently": True} if concurrently else {})
        )


class PostgresOnlySQL(migrations.RunSQL):
    """SQL that only PostgreSQL runs (extensions, index types SQLite lacks); a no-op
    elsewhere. Nothing of it is in the models' state: the models stay portable."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
