"""typed attendances and the TISS content of every billed guide (issue 12)

`typed_attendance`: a guide the provider typed (consulta, SP/SADT), its competência and the typed
clinical fields. `batch_guide_detail`: the TISS guide element of a billed guide as JSON in element
order. Existing rows keep working: a batch guide without a detail row is a legacy one, exported
with the portal's defaults for the clinical fields (what lot_export wrote before).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:10:00
"""
import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'typed_attendance',
        sa.Column('guide_id', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('competence', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['user.id']),
        sa.ForeignKeyConstraint(['guide_id'], ['guide.id']),
        sa.ForeignKeyConstraint(['provider_id'], ['provider.id']),
        sa.PrimaryKeyConstraint('guide_id'),
    )
    with op.batch_alter_table('typed_attendance', schema=None) as batch_op:
        batch_op.create_index('ix_typed_attendance_provider_competence', ['provider_id', 'competence'], unique=False)
    op.create_table(
        'batch_guide_detail',
        sa.Column('batch_guide_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('guide', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['batch_guide_id'], ['batch_guide.id']),
        sa.PrimaryKeyConstraint('batch_guide_id'),
    )


def downgrade() -> None:
    op.drop_table('batch_guide_detail')
    with op.batch_alter_table('typed_attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_typed_attendance_provider_competence')
    op.drop_table('typed_attendance')
