"""one general critique setting per rule (NULL provider ids are distinct in a unique key)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Duplicates written before this index: the newest general row of each rule is the one in force.
    op.execute(
        "DELETE FROM critique_setting WHERE provider_id IS NULL AND id NOT IN ("
        "SELECT MAX(id) FROM critique_setting WHERE provider_id IS NULL GROUP BY rule)"
    )
    with op.batch_alter_table('critique_setting', schema=None) as batch_op:
        batch_op.create_index('uq_critique_rule_general', ['rule'], unique=True,
                              sqlite_where=sa.text('provider_id IS NULL'),
                              postgresql_where=sa.text('provider_id IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('critique_setting', schema=None) as batch_op:
        batch_op.drop_index('uq_critique_rule_general', sqlite_where=sa.text('provider_id IS NULL'),
                            postgresql_where=sa.text('provider_id IS NULL'))
