"""The points domain of Cunyue: villages, households, residents, rules, awards and the ledger.

Nothing in this package imports Flask: services take a SQLAlchemy ``Session`` and plain
values, flush but never commit, and raise :class:`points.errors.DomainError` subclasses.
"""
