"""Hub notifications over HTTP: to the vetted address, kept alive per thread, no redirects.

The standard library's ``http.client`` rather than httpx: a notification is one small POST,
and at a thousand a second httpx's layers cost several times the CPU (measured with
``bench/events.py``). It never follows a redirect and takes no proxy from the environment.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from urllib.parse import urlsplit

from core.ports import Notification, NotificationResult

# A reused connection the subscriber closed while idle fails before any answer: sent again
# once on a new connection (the subscriber dedupes by eventId in any case).
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to a vetted address, with the callback's host name for SNI and the certificate."""

    def __init__(
        self, address: str, port: int, server_name: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(address, port, timeout=timeout, context=context)
        self._server_name = server_name
        self._tls = context

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=self._server_name)


Key = tuple[str, str, int, str]


class HttpNotificationSender:
    """One keep-alive connection per dispatcher thread and subscriber address."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self._tls = context or ssl.create_default_context()
        self._local = threading.local()

    def _connections(self) -> dict[Key, http.client.HTTPConnection]:
        found: dict[Key, http.client.HTTPConnection] | None = getattr(self._local, "pool", None)
        if found is None:
            found = {}
            self._local.pool = found
        return found

    def _connection(self, key: Key, timeout: float) -> http.client.HTTPConnection:
        scheme, address, port, host = key
        if scheme == "https":
            return _PinnedHTTPS(address, port, host, timeout, self._tls)
        return http.client.HTTPConnection(address, port, timeout=timeout)

    def send(self, notification: Notification, timeout: float) -> NotificationResult:
        parts = urlsplit(notification.url)
        scheme = parts.scheme.lower()
        port = parts.port or (443 if scheme == "https" else 80)
        key = (scheme, notification.address, port, notification.host)
        target = parts.path or "/"
        if parts.query:
            target += f"?{parts.query}"
        headers = {
            **notification.headers,
            "Host": parts.netloc.rsplit("@", 1)[-1],
            "Content-Length": str(len(notification.body)),
        }
        pool = self._connections()
        for attempt in (1, 2):
            connection = pool.get(key)
            reused = connection is not None
            if connection is None:
                connection = pool[key] = self._connection(key, timeout)
            try:
                if connection.sock is not None:
                    connection.sock.settimeout(timeout)
                connection.request("POST", target, notification.body, headers)
                response = connection.getresponse()
                response.read()
            except _STALE as error:
                self._drop(pool, key)
                if reused and attempt == 1:
                    continue
                return NotificationResult(None, f"{type(error).__name__}: {error}")
            except TimeoutError:
                self._drop(pool, key)
                return NotificationResult(None, f"no answer within {timeout:g} s")
            except (OSError, http.client.HTTPException) as error:
                self._drop(pool, key)
                return NotificationResult(None, f"{type(error).__name__}: {error}")
            if response.will_close:
                self._drop(pool, key)
            if 300 <= response.status < 400:
                return NotificationResult(response.status, "redirects are not followed")
            return NotificationResult(response.status)
        return NotificationResult(None, "connection lost")  # not reached

    @staticmethod
    def _drop(pool: dict[Key, http.client.HTTPConnection], key: Key) -> None:
        connection = pool.pop(key, None)
        if connection is not None:
            connection.close()
