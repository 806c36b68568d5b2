"""The tables. Alembic migrations in migrations/ create them; nothing calls create_all.

No `from __future__ import annotations` here: SQLModel reads the annotations at class
creation to build the relationships.
"""

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, Relationship, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), **kwargs)


def _enum_column(enum_type: type[enum.Enum], name: str) -> Any:
    # Store the value ("queued"), not the member name, and as a plain string column so
    # that adding a state needs no ALTER TYPE on PostgreSQL.
    return SAEnum(
        enum_type,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class ArticleState(enum.StrEnum):
    RECEIVED = "received"
    SPLITTING = "splitting"
    QUEUED = "queued"
    FAILED = "failed"


class ClaimStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    DISPUTED = "disputed"
    UNSOURCED = "unsourced"


class ClaimKind(enum.StrEnum):
    QUOTE = "quote"
    PARAPHRASE = "paraphrase"
    STATEMENT = "statement"
    STATISTIC = "statistic"


class Article(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    url: str | None = Field(default=None, max_length=2048)
    title: str | None = Field(default=None, max_length=500)
    publisher: str | None = Field(default=None, max_length=200)
    published_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    text: str = Field(sa_column=Column(Text, nullable=False))
    html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sha256: str = Field(max_length=64, unique=True)
    state: ArticleState = Field(
        default=ArticleState.RECEIVED,
        sa_type=_enum_column(ArticleState, "article_state"),
        index=True,
    )
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    submitted_by: str = Field(default="anonymous", max_length=120)
    credited_outlets: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp(index=True)

    claims: list["Claim"] = Relationship(
        back_populates="article",
        sa_relationship_kwargs={"order_by": "Claim.position", "cascade": "all, delete-orphan"},
    )


class ClaimOutlet(SQLModel, table=True):
    __tablename__ = "claim_outlet"

    claim_id: int = Field(foreign_key="claim.id", primary_key=True, ondelete="CASCADE")
    outlet_id: int = Field(
        foreign_key="outlet.id", primary_key=True, ondelete="CASCADE", index=True
    )


class Claim(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("article_id", "position", name="uq_claim_article_position"),
        Index("ix_claim_status_checkworthiness", "status", "checkworthiness"),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True, ondelete="CASCADE")
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    start: int
    end: int
    speaker: str | None = Field(default=None, max_length=300, index=True)
    kind: ClaimKind = Field(
        default=ClaimKind.STATEMENT, sa_type=_enum_column(ClaimKind, "claim_kind")
    )
    checkworthiness: float = 0.0
    status: ClaimStatus = Field(
        default=ClaimStatus.PENDING, sa_type=_enum_column(ClaimStatus, "claim_status"), index=True
    )
    fingerprint: str = Field(max_length=64, index=True)
    # Optimistic locking: every change of a claim increments it and names the version it saw.
    version: int = Field(default=1, nullable=False)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()

    article: Article = Relationship(back_populates="claims")
    outlets: list["Outlet"] = Relationship(link_model=ClaimOutlet)


class Outlet(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    domains: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class AuditEvent(SQLModel, table=True):
    """One state change. Rows are appended, never updated or deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _timestamp(index=True)
    actor: str = Field(max_length=120, index=True)
    action: str = Field(max_length=60, index=True)
    object_type: str = Field(max_length=40)
    object_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
