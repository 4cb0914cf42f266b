"""Tables of the work that follows an accepted order: fulfillment tasks and their attempts,
hub subscriptions and deliveries, the inbox, and approval cases and policies."""

from __future__ import annotations

import sqlalchemy as sa

from core.persistence.tables import Document, Sequence, metadata

fulfillment_task = sa.Table(
    "fulfillment_task",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    # Also the idempotency key the systems see: order/item/operation[:target].
    sa.Column("task_id", sa.String(255), nullable=False, unique=True),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("item_id", sa.String(64)),
    sa.Column("kind", sa.String(60), nullable=False),
    sa.Column("target", sa.String(128)),
    sa.Column("depends_on", Document, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("due_at", sa.String(24), nullable=False),
    sa.Column("lease_until", sa.String(24)),
    # The last call may have happened: ask the system before doing anything else.
    sa.Column("check_first", sa.Boolean, nullable=False),
    sa.Column("compensates", sa.String(255)),
    sa.Column("request", Document, nullable=False),
    sa.Column("result", Document),
    sa.Column("reason", sa.Text),
    sa.Column("created_at", sa.String(24), nullable=False),
    sa.Column("finished_at", sa.String(24)),
    sa.Column("worker", sa.String(128)),
    sa.Index("ix_fulfillment_task_due", "status", "due_at"),
    sa.Index("ix_fulfillment_task_order", "order_id", "seq"),
)

task_attempt = sa.Table(
    "task_attempt",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("task_id", sa.String(255), nullable=False),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("call", sa.String(20), nullable=False),  # "operation" or "status"
    sa.Column("kind", sa.String(60), nullable=False),
    sa.Column("started_at", sa.String(24), nullable=False),
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("detail", sa.Text),
    sa.Column("reference", sa.String(255)),
    sa.Column("worker", sa.String(128)),
    sa.Index("ix_task_attempt_order", "order_id", "seq"),
)

fulfillment_action = sa.Table(
    "fulfillment_action",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("task_id", sa.String(255), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", sa.String(24), nullable=False),
    sa.Column("result", Document),
    sa.Index("ix_fulfillment_action_order", "order_id", "seq"),
)

event_subscription = sa.Table(
    "event_subscription",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("subscription_id", sa.String(64), nullable=False, unique=True),
    sa.Column("api", sa.String(20), nullable=False),
    sa.Column("callback", sa.Text, nullable=False),
    sa.Column("query", sa.Text),
    sa.Column("secret", sa.Text),
    sa.Column("created_at", sa.String(24), nullable=False),
    sa.Column("owner", sa.String(255)),  # the actor that registered it, when authenticated
    # A partner's subscription: the customers whose events it is sent (NULL: every event).
    sa.Column("party_ids", Document),
)

event_delivery = sa.Table(
    "event_delivery",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("subscription_id", sa.String(64), nullable=False),
    sa.Column("outbox_seq", sa.BigInteger, nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(100), nullable=False),
    # The resource the event is about: deliveries of one stream to one subscriber go in order.
    sa.Column("stream", sa.String(128), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("due_at", sa.String(24), nullable=False),
    sa.Column("lease_until", sa.String(24)),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", sa.String(24), nullable=False),
    sa.Column("delivered_at", sa.String(24)),
    # The next delivery of the same stream to the same subscriber: made pending when this one
    # is delivered (a primary-key step, whatever the planner's statistics say).
    sa.Column("next_seq", sa.BigInteger),
    sa.UniqueConstraint("subscription_id", "event_id", name="uq_event_delivery"),
    # The claim: pending deliveries by due time (only those; a plan that stale statistics
    # cannot spoil).
    sa.Index(
        "ix_event_delivery_due",
        "due_at",
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    ),
    sa.Index("ix_event_delivery_stream", "subscription_id", "stream", "outbox_seq"),
    # One subscriber's deliveries, newest first: its health, read a few rows deep (0016).
    sa.Index("ix_event_delivery_subscriber", "subscription_id", "seq"),
    # What is still owed, by resource: the fan-out's and the promotion's lookups.
    sa.Index(
        "ix_event_delivery_owed",
        "stream",
        "subscription_id",
        "seq",
        postgresql_where=sa.text("status <> 'delivered'"),
        sqlite_where=sa.text("status <> 'delivered'"),
    ),
)

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("received_at", sa.String(24), nullable=False),
)

# One approval case per order: what policy asked for, and every decision (the decisions live in
# the document; the row version makes two concurrent decisions meet: one wins, one gets a 409).
approval_case = sa.Table(
    "approval_case",
    metadata,
    sa.Column("case_id", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.String(64), nullable=False, unique=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("due_at", sa.String(24)),
    sa.Column("row_version", sa.Integer, nullable=False),
    sa.Column("document", Document, nullable=False),
    sa.Index("ix_approval_case_status", "status", "due_at"),
)

# Approval policies managed through the admin API; the newest is in force (else the file's).
approval_policy = sa.Table(
    "approval_policy",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("version", sa.String(64), nullable=False, unique=True),
    sa.Column("document", Document, nullable=False),
    sa.Column("actor", sa.String(128)),
    sa.Column("created_at", sa.String(24), nullable=False),
)
