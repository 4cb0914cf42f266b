"""The SSRF guard: which callback URLs the server may call, checked after DNS resolution."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.errors import InvalidRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

# Cloud metadata services answer on these whatever the allow-list says about private ranges.
_METADATA = {"metadata.google.internal", "metadata", "instance-data"}


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (what a connection could reach)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Target:
    """A checked callback: where to connect (a vetted address) and what to call it."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


class CallbackRefused(InvalidRequest):
    """A callback the server will not call: 400 when subscribing, a failed delivery later."""

    def __init__(self, url: str, why: str) -> None:
        super().__init__(f"callback {url!r} is refused: {why}", "Callback not allowed")


class CallbackGuard:
    """Refuses non-HTTP schemes and internal addresses unless the allow-list admits them.

    ``allowlist`` is ``TMF_CALLBACK_ALLOWLIST``: host names and addresses or CIDR ranges,
    comma-separated. A host name on it admits that name whatever it resolves to.
    """

    def __init__(self, allowlist: str = "", resolver: Resolver = resolve) -> None:
        self.hosts: set[str] = set()
        self.networks: list[Network] = []
        for entry in (e.strip() for e in allowlist.split(",")):
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.hosts.add(entry.lower().rstrip("."))
        self._resolve = resolver

    def check(self, url: str) -> Target:
        """The vetted target of ``url``; ``CallbackRefused`` says why it may not be called."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise CallbackRefused(url, "it is not a valid URL") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise CallbackRefused(url, "only http and https callbacks are called")
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            raise CallbackRefused(url, "it names no host")
        if parts.username or parts.password:
            raise CallbackRefused(url, "credentials in the URL are not accepted")
        port = port or (443 if scheme == "https" else 80)
        if host in _METADATA:
            raise CallbackRefused(url, f"{host} is a cloud metadata service")
        try:
            addresses = self._resolve(host, port)
        except (OSError, UnicodeError):
            raise CallbackRefused(url, f"{host} does not resolve") from None
        if not addresses:
            raise CallbackRefused(url, f"{host} does not resolve")
        named = host in self.hosts
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if not named and not self._public(address) and not self._allowed(address):
                raise CallbackRefused(
                    url,
                    f"{host} resolves to {address}, an internal address "
                    "(TMF_CALLBACK_ALLOWLIST admits hosts and ranges)",
                )
        return Target(url, scheme, host, port, addresses[0])

    def _allowed(self, address: Address) -> bool:
        return any(address in network for network in self.networks)

    @staticmethod
    def _public(address: Address) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            return CallbackGuard._public(address.ipv4_mapped)
        return address.is_global and not address.is_multicast
