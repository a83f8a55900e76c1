"""Hand-written statements from the models' own names, and model instances from their rows.

A few queries run on every page or handshake (the session, the user and role, unread
counts, a page of messages, the banner) are written as SQL because the ORM's building of
them cost several times running them (bench/README.md, "The pages' own queries"). They
name tables and columns through `table()` and `column()`, never by hand, so a renamed
field or table follows; their values always go as parameters. `row_converters()` and
`instance_from_row()` turn a row into the instance the ORM would have made: each value
through the same converters (SQLite's booleans, times and decimals come back as numbers
and text), then `Model.from_db`.
"""

from __future__ import annotations

from django.db import connection as default_connection
from django.db.models.expressions import Col


def table(model, connection=default_connection) -> str:
    """The model's table, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def column(model, field_name: str, connection=default_connection) -> str:
    """The column of the model's field (a relation's `…_id` column for a foreign key), quoted."""
    return connection.ops.quote_name(model._meta.get_field(field_name).column)


def row_converters(fields, connection=default_connection) -> tuple:
    """Per field, the converters the ORM applies to its column's value, each with the
    column expression it is given (a decimal's converter reads its output field)."""
    converters = []
    for field in fields:
        expression = Col(None, field)
        found = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)
        converters.append(tuple((convert, expression) for convert in found))
    return tuple(converters)


def instance_from_row(model, attnames, converters, values, connection=default_connection):
    """The model instance of these raw values (for `attnames`, converted by
    `row_converters` of the same fields), as a query would have returned it."""
    converted = []
    for field_converters, value in zip(converters, values, strict=True):
        for convert, expression in field_converters:
            value = convert(value, expression, connection)
        converted.append(value)
    return model.from_db(connection.alias, attnames, converted)
