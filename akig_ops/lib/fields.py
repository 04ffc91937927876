"""Model fields shared by the apps."""
import datetime

from django.db import models


class EcheanceField(models.DateField):
    """A calendar date stored as `timestamp(0)` on PostgreSQL.

    The runbook computes lateness as `EXTRACT(DAY FROM CURRENT_DATE - date_echeance)`.
    With a `date` column PostgreSQL rejects that (date - date is an integer);
    with a timestamp it is an interval whose day count is the retard. Python
    still sees a `datetime.date`.
    """

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "timestamp(0) without time zone"
        return super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        if isinstance(value, datetime.datetime):
            return value.date()
        return value
