"""certificate replacements: the old codes of certificates issued again with a corrected name

A person may correct the name on a certificate: it is issued again with a new code, and the
old code is kept here (without the name) so that verifying it says "replaced on ...".

Revision ID: 0010_cert
Revises: 0010_po
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010_cert'
down_revision: str | None = "0010_po"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'certificate_replacement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('certificate_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    op.create_index(
        op.f('ix_certificate_replacement_certificate_id'),
        'certificate_replacement',
        ['certificate_id'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f('ix_certificate_replacement_certificate_id'), table_name='certificate_replacement'
    )
    op.drop_table('certificate_replacement')
