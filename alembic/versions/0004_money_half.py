"""money half: glosas, appeals, payments with withholdings, critique settings, tax profile

The glosa, appeal and payment tables of 0001 were placeholders nothing ever wrote: they are
dropped and created in their real shape (a database that somehow holds rows in them refuses
the upgrade rather than lose them).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:40:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import copass_app.dbtypes

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_PLACEHOLDERS = ('appeal', 'glosa', 'payment')


def _refuse_if_written() -> None:
    connection = op.get_bind()
    for table in _PLACEHOLDERS:
        if connection.execute(sa.text(f'SELECT COUNT(*) FROM {table}')).scalar():
            raise RuntimeError(f'a tabela {table} tem linhas: migração 0004 interrompida para não perdê-las')


def upgrade() -> None:
    _refuse_if_written()
    for table in _PLACEHOLDERS:
        op.drop_table(table)

    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.add_column(sa.Column('municipality', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))
        for column in ('iss_rate', 'irrf_rate', 'pis_rate', 'cofins_rate', 'csll_rate'):
            batch_op.add_column(sa.Column(column, copass_app.dbtypes.Quantity(), nullable=True))
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_value', copass_app.dbtypes.Money(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('analysed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('analysed_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_batch_analysed_by_user', 'user', ['analysed_by'], ['id'])
    with op.batch_alter_table('batch_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_value', copass_app.dbtypes.Money(), nullable=True))

    op.create_table('glosa',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_item_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('reason_code', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('value', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['batch_item_id'], ['batch_item.id'], ),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('glosa', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_glosa_batch_item_id'), ['batch_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_glosa_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_glosa_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('uq_glosa_applied_item', ['batch_item_id'], unique=True,
                              sqlite_where=sa.text("status = 'APLICADA'"),
                              postgresql_where=sa.text("status = 'APLICADA'"))

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('gross_value', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('glosa_value', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('approved_value', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('appeals_value', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('withholding_value', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('net_value', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('bank', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_provider_id'), ['provider_id'], unique=False)

    op.create_table('appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('glosa_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('contested_value', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('justification', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('accepted_value', copass_app.dbtypes.Money(), nullable=True),
    sa.Column('decision_note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['glosa_id'], ['glosa.id'], ),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_glosa_id'), ['glosa_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index('uq_appeal_open_glosa', ['glosa_id'], unique=True,
                              sqlite_where=sa.text("status = 'PENDENTE'"),
                              postgresql_where=sa.text("status = 'PENDENTE'"))

    op.create_table('payment_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], ),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('batch_id')
    )
    with op.batch_alter_table('payment_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_batch_payment_id'), ['payment_id'], unique=False)

    op.create_table('payment_withholding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('tax', sa.Text(), nullable=False),
    sa.Column('base', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('rate_percent', copass_app.dbtypes.Quantity(), nullable=False),
    sa.Column('value', copass_app.dbtypes.Money(), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('payment_withholding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_withholding_payment_id'), ['payment_id'], unique=False)

    op.create_table('critique_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('tolerance_percent', copass_app.dbtypes.Quantity(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.ForeignKeyConstraint(['updated_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rule', 'provider_id', name='uq_critique_rule_provider')
    )


def downgrade() -> None:
    for table in ('critique_setting', 'payment_withholding', 'payment_batch', 'appeal', 'payment', 'glosa'):
        op.drop_table(table)
    with op.batch_alter_table('batch_item', schema=None) as batch_op:
        batch_op.drop_column('approved_value')
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_constraint('fk_batch_analysed_by_user', type_='foreignkey')
        batch_op.drop_column('analysed_by')
        batch_op.drop_column('analysed_at')
        batch_op.drop_column('approved_value')
    with op.batch_alter_table('provider', schema=None) as batch_op:
        for column in ('csll_rate', 'cofins_rate', 'pis_rate', 'irrf_rate', 'iss_rate', 'municipality'):
            batch_op.drop_column(column)
    # The placeholders of 0001 come back empty, in their old shape.
    op.create_table('glosa',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_item_id', sa.Integer(), sa.ForeignKey('batch_item.id'), nullable=False, index=True),
    sa.Column('reason_code', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('value', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_by', sa.Integer(), sa.ForeignKey('user.id'), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('glosa_id', sa.Integer(), sa.ForeignKey('glosa.id'), nullable=False, index=True),
    sa.Column('justification', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('accepted_value', copass_app.dbtypes.Money(), nullable=True),
    sa.Column('created_by', sa.Integer(), sa.ForeignKey('user.id'), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.Integer(), sa.ForeignKey('user.id'), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), sa.ForeignKey('provider.id'), nullable=False, index=True),
    sa.Column('batch_id', sa.Integer(), sa.ForeignKey('batch.id'), nullable=True, index=True),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('gross_value', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('glosa_value', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('deductions', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('net_value', copass_app.dbtypes.Money(), nullable=False),
    sa.Column('created_by', sa.Integer(), sa.ForeignKey('user.id'), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
