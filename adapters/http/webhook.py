"""Hub notifications over HTTP (httpx): to the vetted address, never following a redirect."""

from __future__ import annotations

import httpx

from core.ports import Notification, NotificationResult


class HttpNotificationSender:
    """One pooled, keep-alive client shared by the dispatcher's threads.

    The connection goes to the address the SSRF guard checked (so a name that resolves
    elsewhere a moment later is not followed), with the callback's own ``Host`` header and, for
    https, its name for SNI and certificate checks.
    """

    def __init__(self, connections: int = 100) -> None:
        self._client = httpx.Client(
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: the guard vetted a direct route
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    def send(self, notification: Notification, timeout: float) -> NotificationResult:
        url = httpx.URL(notification.url)
        pinned = url.copy_with(host=notification.address)
        headers = {**notification.headers, "Host": url.netloc.decode("ascii")}
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        try:
            response = self._client.post(
                pinned,
                content=notification.body,
                headers=headers,
                timeout=timeout,
                extensions=extensions,
            )
        except httpx.TimeoutException:
            return NotificationResult(None, f"no answer within {timeout:g} s")
        except httpx.HTTPError as error:
            return NotificationResult(None, f"{type(error).__name__}: {error}")
        if 300 <= response.status_code < 400:
            return NotificationResult(response.status_code, "redirects are not followed")
        return NotificationResult(response.status_code)

    def close(self) -> None:
        self._client.close()
