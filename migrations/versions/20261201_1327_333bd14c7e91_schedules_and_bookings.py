"""Service schedules (weekly classes, programme starts), session bookings, register corrections.

A class's size is the capacity of each occurrence; bookings refuse a second live booking of one
patient into one session (partial unique indexes); a register line may point at its booking, and
its corrections keep every earlier value with who, when and why.

Revision ID: 333bd14c7e91
Revises: 8e4b6f2d1a73
Created: 2026-12-01 13:27:33.237859+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import referral_service.persistence.base

revision: str = "333bd14c7e91"
down_revision: str | None = "5d1c3a7e9b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "programme_starts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_programme_starts_service_id_services")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_starts")),
    )
    with op.batch_alter_table("programme_starts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_starts_service_id"), ["service_id"], unique=False)

    op.create_table(
        "service_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("duration_minutes > 0", name=op.f("ck_service_classes_duration_positive")),
        sa.CheckConstraint("size > 0", name=op.f("ck_service_classes_size_positive")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_service_classes_weekday_valid")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_service_classes_service_id_services")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_classes")),
    )
    with op.batch_alter_table("service_classes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_classes_service_id"), ["service_id"], unique=False)

    op.create_table(
        "session_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=True),
        sa.Column("programme_start_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("booked", "cancelled", name="booking_status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("booked_by_user_id", sa.Integer(), nullable=True),
        sa.Column("booked_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_by_user_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(class_id IS NULL) <> (programme_start_id IS NULL)", name=op.f("ck_session_bookings_one_session")
        ),
        sa.ForeignKeyConstraint(
            ["booked_by_user_id"], ["portal_users.id"], name=op.f("fk_session_bookings_booked_by_user_id_portal_users")
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_user_id"],
            ["portal_users.id"],
            name=op.f("fk_session_bookings_cancelled_by_user_id_portal_users"),
        ),
        sa.ForeignKeyConstraint(
            ["class_id"], ["service_classes.id"], name=op.f("fk_session_bookings_class_id_service_classes")
        ),
        sa.ForeignKeyConstraint(
            ["programme_start_id"],
            ["programme_starts.id"],
            name=op.f("fk_session_bookings_programme_start_id_programme_starts"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_session_bookings_referral_id_referrals")
        ),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_session_bookings_service_id_services")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_bookings")),
    )
    with op.batch_alter_table("session_bookings", schema=None) as batch_op:
        batch_op.create_index("ix_session_bookings_occurrence", ["class_id", "starts_at", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_session_bookings_referral_id"), ["referral_id"], unique=False)
        batch_op.create_index("ix_session_bookings_starts_at", ["starts_at", "status"], unique=False)
        batch_op.create_index(
            "uq_session_bookings_class_once",
            ["referral_id", "class_id", "starts_at"],
            unique=True,
            sqlite_where=sa.text("status = 'booked' AND class_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'booked' AND class_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_session_bookings_start_once",
            ["referral_id", "programme_start_id"],
            unique=True,
            sqlite_where=sa.text("status = 'booked' AND programme_start_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'booked' AND programme_start_id IS NOT NULL"),
        )

    op.create_table(
        "session_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attendance_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "attended", "dna", "cancelled", name="correction_from_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "attended", "dna", "cancelled", name="correction_to_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_by_user_id", sa.Integer(), nullable=True),
        sa.Column("corrected_at", referral_service.persistence.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attendance_id"],
            ["session_attendance.id"],
            name=op.f("fk_session_corrections_attendance_id_session_attendance"),
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by_user_id"],
            ["portal_users.id"],
            name=op.f("fk_session_corrections_corrected_by_user_id_portal_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_corrections")),
    )
    with op.batch_alter_table("session_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_corrections_attendance_id"), ["attendance_id"], unique=False)

    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booking_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_session_attendance_booking_id"), ["booking_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_session_attendance_booking_id_session_bookings"), "session_bookings", ["booking_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_session_attendance_booking_id_session_bookings"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_session_attendance_booking_id"), type_="unique")
        batch_op.drop_column("booking_id")

    with op.batch_alter_table("session_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_corrections_attendance_id"))

    op.drop_table("session_corrections")
    with op.batch_alter_table("session_bookings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_session_bookings_start_once",
            sqlite_where=sa.text("status = 'booked' AND programme_start_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'booked' AND programme_start_id IS NOT NULL"),
        )
        batch_op.drop_index(
            "uq_session_bookings_class_once",
            sqlite_where=sa.text("status = 'booked' AND class_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'booked' AND class_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_session_bookings_starts_at")
        batch_op.drop_index(batch_op.f("ix_session_bookings_referral_id"))
        batch_op.drop_index("ix_session_bookings_occurrence")

    op.drop_table("session_bookings")
    with op.batch_alter_table("service_classes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_classes_service_id"))

    op.drop_table("service_classes")
    with op.batch_alter_table("programme_starts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_starts_service_id"))

    op.drop_table("programme_starts")
