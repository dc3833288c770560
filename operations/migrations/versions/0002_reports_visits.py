"""Resident reports and their history, visits and the needs found on them, API keys, public-form rate limits.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(40), nullable=False, unique=True),
        sa.Column("source", sa.String(16), nullable=False, server_default="public"),
        sa.Column("channel", sa.String(16), nullable=False, server_default=""),
        sa.Column("receipt_hash", sa.String(64), nullable=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.String(256), nullable=False, server_default=""),
        sa.Column("compound_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("building_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("grid_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("contact", sa.String(64), nullable=False, server_default=""),
        sa.Column("photo", sa.String(128), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=False, server_default=""),
        sa.Column("duplicate_of", sa.String(40), nullable=False, server_default=""),
        sa.Column("transfer_to", sa.String(128), nullable=False, server_default=""),
        sa.Column("rating", sa.Integer, nullable=True),
        sa.Column("client", sa.String(64), nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("dispatched_at", sa.DateTime, nullable=True),
        sa.Column("due_at", sa.DateTime, nullable=True),
        sa.Column("resolved_at", sa.DateTime, nullable=True),
        sa.Column("closed_at", sa.DateTime, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    for column in ("receipt_hash", "building_id", "grid_id", "status", "submitted_at", "updated_at"):
        op.create_index(f"ix_reports_{column}", "reports", [column])
    op.create_table(
        "report_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False, server_default=""),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("photo", sa.String(128), nullable=False, server_default=""),
    )
    op.create_index("ix_report_events_report_id", "report_events", ["report_id"])
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("grid_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("visited_on", sa.Date, nullable=False),
        sa.Column("way", sa.String(8), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("worker", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_visits_household_id", "visits", ["household_id"])
    op.create_index("ix_visits_grid_id", "visits", ["grid_id"])
    op.create_table(
        "visit_needs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id", ondelete="CASCADE"), nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("grid_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="待办"),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_visit_needs_visit_id", "visit_needs", ["visit_id"])
    op.create_index("ix_visit_needs_household_id", "visit_needs", ["household_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client", sa.String(64), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_submissions_address", "submissions", ["address"])
    op.create_index("ix_submissions_at", "submissions", ["at"])


def downgrade() -> None:
    """Drop the tables."""
    for table in ("submissions", "api_keys", "visit_needs", "visits", "report_events", "reports"):
        op.drop_table(table)
