"""Django's PostgreSQL backend, whose connection health check (CONN_HEALTH_CHECKS) asks the socket
before it asks the server.

Django checks a kept connection before a request's first query with `SELECT 1`: a round trip on every
request, a third of an opening-day application's statements. A server that ends a connection (a
restart, pg_terminate_backend, an idle timeout) sends its goodbye and closes the socket, so a dead
connection's socket is readable; a live idle one has nothing to read (the portal never LISTENs). So
only a readable socket costs Django's `SELECT 1` (which also drains whatever else was sent: a
parameter the server reports after a configuration reload, a TLS record), and only a failed one opens
the connection afresh. A connection that dies after the check fails its statement, as after `SELECT 1`;
the outage middleware (core.middleware.DatabaseOutageMiddleware) answers for it.
"""

import select

from django.db.backends.postgresql import base
from psycopg2 import extensions

# Idle, or idle in a transaction that has not failed: the states a socket can vouch for.
_SOCKET_CAN_TELL = (extensions.TRANSACTION_STATUS_IDLE, extensions.TRANSACTION_STATUS_INTRANS)


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        if self.connection.get_transaction_status() not in _SOCKET_CAN_TELL:
            # A failed transaction is unusable to Django (its `SELECT 1` fails there, and the test
            # framework relies on it): Django's check answers for it and for anything else unusual.
            return super().is_usable()
        try:
            poller = select.poll()
            poller.register(self.connection.fileno(), select.POLLIN | select.POLLPRI)
            quiet = not poller.poll(0)
        except (OSError, ValueError, self.Database.Error):
            return False
        return quiet or super().is_usable()
