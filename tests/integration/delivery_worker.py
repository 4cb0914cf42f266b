"""A dispatcher in its own process, for the crash test: it delivers until killed.

Arguments: database URL, PostgreSQL search path (or ''). Short leases and quick retries, so a
killed dispatcher's deliveries are taken over soon.
"""

from __future__ import annotations

import sys
import time

from adapters.http.webhook import HttpNotificationSender
from core.events.callbacks import CallbackGuard
from core.events.delivery import DeliverySettings
from core.events.dispatcher import Dispatcher
from core.persistence.database import Database


def main() -> None:
    url, search_path = sys.argv[1:3]
    options = {"connect_args": {"options": f"-csearch_path={search_path}"}} if search_path else {}
    settings = DeliverySettings(
        max_attempts=100, backoff_seconds=0.05, backoff_cap_seconds=0.2, timeout_seconds=1,
        lease_seconds=1.5, per_subscriber=4,
    )  # fmt: skip
    dispatcher = Dispatcher(
        Database(url, **options), HttpNotificationSender(), CallbackGuard("127.0.0.1"), settings
    )
    while True:
        if not dispatcher.step():
            time.sleep(0.02)


if __name__ == "__main__":
    main()
