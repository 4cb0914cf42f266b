"""Follow-up requests the semantic checks send, and the run-wide settings they share."""

from __future__ import annotations

import json
import shlex
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin

import requests

from conformance.spec import Document


@dataclass
class ProbeSettings:
    """What every follow-up request needs: the document, the headers given, a timeout."""

    document: Document | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    probed: set[tuple[str, str]] = field(default_factory=set)
    applied: set[tuple[str, str]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def first_time(self, check: str, operation: str) -> bool:
        """True once per check and operation: the expensive probes run once per run."""
        with self.lock:
            if (check, operation) in self.probed:
                return False
            self.probed.add((check, operation))
            return True

    def applies(self, check: str, case_id: str) -> None:
        """Note that a check had something to verify in a case (else its 'pass' is not counted)."""
        with self.lock:
            self.applied.add((check, case_id))

    def did_apply(self, check: str, case_id: str) -> bool:
        with self.lock:
            return (check, case_id) in self.applied


SETTINGS = ProbeSettings()
_local = threading.local()


def configure(document: Document, headers: dict[str, str], timeout: float) -> None:
    """Start a run: the probes forget which operations they have already probed."""
    global SETTINGS
    SETTINGS = ProbeSettings(document=document, headers=dict(headers), timeout=timeout)


def settings() -> ProbeSettings:
    return SETTINGS


@dataclass(frozen=True)
class Answer:
    """A follow-up response, with the curl line that reproduces its request."""

    status: int
    headers: dict[str, str]
    body: Any
    curl: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def count(self, name: str) -> int | None:
        """An integer header such as ``X-Total-Count``, None when absent or not a number."""
        value = self.header(name)
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None


class ProbeError(AssertionError):
    """A follow-up request could not be sent or answered."""


def send(
    method: str,
    url: str,
    *,
    params: dict[str, str] | None = None,
    body: Any = None,
    content_type: str = "application/json",
) -> Answer:
    """Send one follow-up request with the run's headers; the body is parsed when it is JSON."""
    if params:
        url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
    headers = dict(SETTINGS.headers)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = content_type
    line = curl(method, url, headers, data)
    try:
        response = _session().request(
            method, url, headers=headers, data=data, timeout=SETTINGS.timeout, allow_redirects=False
        )
    except requests.RequestException as error:
        raise ProbeError(
            f"the follow-up request failed ({error.__class__.__name__}): {line}"
        ) from None
    try:
        parsed = response.json() if response.content else None
    except ValueError:
        parsed = response.text
    lowered = {name.lower(): value for name, value in response.headers.items()}
    return Answer(response.status_code, lowered, parsed, line)


def resolve(base: str, href: str) -> str:
    """An href as an absolute URL (relative ones are taken from ``base``)."""
    return urljoin(base, href)


SECRET_HEADER_WORDS = ("auth", "token", "key", "secret", "cookie", "session", "password")


def curl(method: str, url: str, headers: dict[str, str], data: bytes | None) -> str:
    """A copy-and-paste curl line for a request; credentials masked, as reports get shared."""
    parts = ["curl", "-X", method]
    for name, value in headers.items():
        secret = any(word in name.lower() for word in SECRET_HEADER_WORDS)
        parts += ["-H", f"{name}: {'[Filtered]' if secret else value}"]
    if data is not None:
        parts += ["-d", data.decode("utf-8", "replace")]
    parts.append(url)
    return shlex.join(parts)


def _session() -> requests.Session:
    """One keep-alive session per thread (workers run checks in threads)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        session.trust_env = False
    return session
