"""word counts per pair (ru_words, en_words), for the progress figures of every page

Revision ID: 0003
Revises: 0002tm
Create Date: 2026-11-28 04:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002tm"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2_000


def _words(text: str | None) -> int:
    # app.models.count_words as it is today (a migration does not import the app).
    return len(text.split()) if text else 0


def upgrade() -> None:
    with op.batch_alter_table("pairs") as batch:
        batch.add_column(sa.Column("ru_words", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("en_words", sa.Integer(), server_default="0", nullable=False))
    conn = op.get_bind()
    pairs = sa.table(
        "pairs",
        sa.column("id", sa.Integer),
        sa.column("ru_text", sa.Text),
        sa.column("en_text", sa.Text),
        sa.column("ru_words", sa.Integer),
        sa.column("en_words", sa.Integer),
    )
    update = (
        pairs.update()
        .where(pairs.c.id == sa.bindparam("pid"))
        .values(ru_words=sa.bindparam("ru"), en_words=sa.bindparam("en"))
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(pairs.c.id, pairs.c.ru_text, pairs.c.en_text)
            .where(pairs.c.id > last)
            .order_by(pairs.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            update, [{"pid": i, "ru": _words(ru), "en": _words(en)} for i, ru, en in rows]
        )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("pairs") as batch:
        batch.drop_column("en_words")
        batch.drop_column("ru_words")
