"""Order lists that stay fast on a large store: the orders in a state, a customer's too, are
read by one index in page order, and ``relatedParty.id`` filters use it unless an order names
the value as a party that is not its customer (those orders are flagged, and indexed apart).

Revision ID: 0015
Revises: 0014
"""

import json

import sqlalchemy as sa
from alembic import op

from core.ordering.model import names_other_parties

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_BATCH = 5_000


def upgrade() -> None:
    with op.batch_alter_table("product_order") as batch:
        batch.add_column(
            sa.Column("other_parties", sa.Boolean, nullable=False, server_default=sa.false())
        )
    _flag_other_parties()
    op.create_index(
        "ix_product_order_open_state_customer",
        "product_order",
        ["state", "customer_key", "seq"],
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_product_order_other_parties ON product_order "
            "USING gin ((document -> 'relatedParty') jsonb_path_ops) WHERE other_parties"
        )
    else:
        op.create_index(
            "ix_product_order_other_parties",
            "product_order",
            ["seq"],
            sqlite_where=sa.text("other_parties"),
        )


def _flag_other_parties() -> None:
    """The flag of the orders already stored, by the rule new orders are stored with."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT seq, document FROM product_order WHERE seq > :last ORDER BY seq LIMIT :n"
            ),
            {"last": last, "n": _BATCH},
        ).all()
        if not rows:
            return
        flagged = [
            {"seq": seq}
            for seq, document in rows
            if names_other_parties(json.loads(document) if isinstance(document, str) else document)
        ]
        if flagged:
            bind.execute(
                sa.text("UPDATE product_order SET other_parties = true WHERE seq = :seq"), flagged
            )
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_product_order_other_parties", "product_order")
    op.drop_index("ix_product_order_open_state_customer", "product_order")
    with op.batch_alter_table("product_order") as batch:
        batch.drop_column("other_parties")
