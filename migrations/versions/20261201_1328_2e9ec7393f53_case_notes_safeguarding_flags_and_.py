"""Casework beside the lifecycle: case notes, safeguarding flags and follow-ups (issue 17).

`case_notes` is append-only (a correction is a new row naming the note's first version; the
database refuses UPDATE and DELETE, as for `referral_events`). `safeguarding_flags` keeps who raised
and who lowered each flag, and why. `follow_ups` has a due day, an owner, and when it was done.

Revision ID: 2e9ec7393f53
Revises: 8e4b6f2d1a73
Created: 2026-12-01 13:28:05.870043+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import referral_service.persistence.base

revision: str = "2e9ec7393f53"
down_revision: str | None = "333bd14c7e91"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("corrects_note_id", sa.Integer(), nullable=True),
        sa.Column("author_user_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["portal_users.id"], name=op.f("fk_case_notes_author_user_id_portal_users")
        ),
        sa.ForeignKeyConstraint(
            ["corrects_note_id"], ["case_notes.id"], name=op.f("fk_case_notes_corrects_note_id_case_notes")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_case_notes_referral_id_referrals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
        sa.UniqueConstraint("public_id", name=op.f("uq_case_notes_public_id")),
    )
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_notes_author_user_id"), ["author_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_notes_corrects_note_id"), ["corrects_note_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_notes_referral_id"), ["referral_id"], unique=False)

    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=False),
        sa.Column("set_by_user_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("set_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["done_by_user_id"], ["portal_users.id"], name=op.f("fk_follow_ups_done_by_user_id_portal_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["portal_users.id"], name=op.f("fk_follow_ups_owner_user_id_portal_users")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_follow_ups_referral_id_referrals")),
        sa.ForeignKeyConstraint(
            ["set_by_user_id"], ["portal_users.id"], name=op.f("fk_follow_ups_set_by_user_id_portal_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint("public_id", name=op.f("uq_follow_ups_public_id")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index("ix_follow_ups_owner_open", ["owner_user_id", "done_at", "due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_ups_referral_id"), ["referral_id"], unique=False)

    op.create_table(
        "safeguarding_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("raised_by_user_id", sa.Integer(), nullable=False),
        sa.Column("raised_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("lowered_by_user_id", sa.Integer(), nullable=True),
        sa.Column("lowered_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lowered_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lowered_by_user_id"],
            ["portal_users.id"],
            name=op.f("fk_safeguarding_flags_lowered_by_user_id_portal_users"),
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_user_id"],
            ["portal_users.id"],
            name=op.f("fk_safeguarding_flags_raised_by_user_id_portal_users"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_safeguarding_flags_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safeguarding_flags")),
    )
    with op.batch_alter_table("safeguarding_flags", schema=None) as batch_op:
        batch_op.create_index("ix_safeguarding_flags_referral_lowered", ["referral_id", "lowered_at"], unique=False)

    _notes_append_only()


def downgrade() -> None:
    _drop_notes_append_only()
    with op.batch_alter_table("safeguarding_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_safeguarding_flags_referral_lowered")

    op.drop_table("safeguarding_flags")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_ups_referral_id"))
        batch_op.drop_index("ix_follow_ups_owner_open")

    op.drop_table("follow_ups")
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_notes_referral_id"))
        batch_op.drop_index(batch_op.f("ix_case_notes_corrects_note_id"))
        batch_op.drop_index(batch_op.f("ix_case_notes_author_user_id"))

    op.drop_table("case_notes")


NOTES_MESSAGE = "case_notes is append-only"


def _notes_append_only() -> None:
    """A note is evidence of what was known when: corrections are new rows, never edits."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION case_notes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{NOTES_MESSAGE}: % is not allowed', TG_OP;
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER case_notes_append_only BEFORE UPDATE OR DELETE ON case_notes "
            "FOR EACH ROW EXECUTE FUNCTION case_notes_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER case_notes_no_{operation.lower()} BEFORE {operation} ON case_notes "
                f"BEGIN SELECT RAISE(ABORT, '{NOTES_MESSAGE}: {operation} is not allowed'); END"
            )


def _drop_notes_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_notes_append_only ON case_notes")
        op.execute("DROP FUNCTION IF EXISTS case_notes_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_notes_no_update")
        op.execute("DROP TRIGGER IF EXISTS case_notes_no_delete")
