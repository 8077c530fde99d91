"""The search package's errors.

    QueryError          base: a query or option we cannot answer; the message says why
    ├── BadDateError    a date option or in-query date that is not a real date
    └── UnknownFieldError  ``field:term`` naming a field the index does not have
"""


class QueryError(Exception):
    """A query we cannot run as given."""


class BadDateError(QueryError):
    """A date that is not valid (``2024-13``, ``2023-02-30``, ``yesterdayish``)."""


class UnknownFieldError(QueryError):
    """A ``field:`` prefix naming no searchable field."""
