"""The tables. Alembic migrations in migrations/ create them; nothing calls create_all.

No `from __future__ import annotations` here: SQLModel reads the annotations at class
creation to build the relationships.
"""

import enum
from datetime import UTC, datetime
from typing import Any, Optional, Protocol

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlalchemy import text as sql  # the tables have `text` columns
from sqlmodel import Field, Relationship, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """The moment with its zone: SQLite hands timestamps back without it (all are UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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


class Role(enum.StrEnum):
    REVIEWER = "reviewer"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: "Role") -> bool:
        """Editors can do what reviewers can, admins what editors can."""
        return self.rank >= needed.rank


class CrossrefState(enum.StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


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
    # An editor's pin puts the article's claims at the top of the review queue.
    pinned: bool = Field(default=False)
    # An editor's switch: the ClaimReview of every decided claim of the article is public
    # (a claim's own `published` publishes that claim alone; see factcheck/publish/claimreview.py).
    published: bool = Field(default=False)

    __table_args__ = (
        Index(
            "ix_article_pinned",
            "id",
            postgresql_where=sql("pinned"),
            sqlite_where=sql("pinned"),
        ),
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
        # The review queue's order over pending claims only (see review.rules._candidate_query).
        Index(
            "ix_claim_pending_priority",
            sql("checkworthiness DESC"),
            "article_id",
            "id",
            postgresql_where=sql("status = 'pending'"),
            sqlite_where=sql("status = 'pending'"),
        ),
        # Claims under a lease only: a verdict, which ends the lease, adds no entry.
        Index(
            "ix_claim_leased_by_id",
            "leased_by_id",
            postgresql_where=sql("leased_by_id IS NOT NULL"),
            sqlite_where=sql("leased_by_id IS NOT NULL"),
        ),
    )
    # No index on article_id (uq_claim_article_position begins with it), status
    # (ix_claim_status_checkworthiness does) or speaker (searched with ILIKE '%...%',
    # which no B-tree serves): each index is written on every lease and verdict.

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", ondelete="CASCADE")
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    start: int
    end: int
    speaker: str | None = Field(default=None, max_length=300)
    kind: ClaimKind = Field(
        default=ClaimKind.STATEMENT, sa_type=_enum_column(ClaimKind, "claim_kind")
    )
    checkworthiness: float = 0.0
    status: ClaimStatus = Field(
        default=ClaimStatus.PENDING, sa_type=_enum_column(ClaimStatus, "claim_status")
    )
    fingerprint: str = Field(max_length=64, index=True)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    evidence_urls: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # An editor's switch: this claim's ClaimReview is public once it is decided.
    published: bool = Field(default=False)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # The lease: the reviewer who holds the claim, until when.
    leased_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    lease_expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    crossref_state: CrossrefState = Field(
        default=CrossrefState.WAITING,
        sa_type=_enum_column(CrossrefState, "crossref_state"),
        index=True,
    )
    crossref_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    crossref_updated_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # Optimistic locking: every change of a claim increments it and names the version it saw.
    version: int = Field(default=1, nullable=False)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()

    article: Article = Relationship(back_populates="claims")
    outlets: list["Outlet"] = Relationship(link_model=ClaimOutlet)
    leased_by: Optional["User"] = Relationship(
        sa_relationship_kwargs={"foreign_keys": "Claim.leased_by_id"}
    )
    decided_by: Optional["User"] = Relationship(
        sa_relationship_kwargs={"foreign_keys": "Claim.decided_by_id"}
    )
    crossrefs: list["CrossReference"] = Relationship(
        sa_relationship_kwargs={"order_by": "(CrossReference.depth, CrossReference.score.desc())"}
    )
    rejected_pages: list["RejectedPage"] = Relationship(
        sa_relationship_kwargs={
            "order_by": "(RejectedPage.depth, RejectedPage.outlet, RejectedPage.url)",
            "viewonly": True,
        }
    )
    outlet_outcomes: list["ClaimOutletOutcome"] = Relationship(
        sa_relationship_kwargs={
            "order_by": "(ClaimOutletOutcome.depth, ClaimOutletOutcome.outlet)",
            "viewonly": True,
        }
    )


class FetchedPage(SQLModel):
    """What is kept of a page of an outlet fetched for a claim, once per (claim, url): as
    its outlet listed it, how it was found, and its archived copy with the validators that
    let a later gathering ask for it "only if changed" (a 304 costs little)."""

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True, ondelete="CASCADE")
    outlet: str = Field(max_length=200)
    url: str = Field(max_length=2048)
    # As the outlet's feed, sitemap or search listed the page, when it did.
    title: str | None = Field(default=None, max_length=500)
    published: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    source: str = Field(max_length=20)
    # The page whose text credited this outlet (a citation chain), and how many hops away.
    parent_url: str | None = Field(default=None, max_length=2048)
    depth: int = 0
    score: float = 0.0
    http_status: int | None = None
    fetched_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    etag: str | None = Field(default=None, max_length=512)
    last_modified: str | None = Field(default=None, max_length=64)
    sha256: str | None = Field(default=None, max_length=64)
    warc_file: str | None = Field(default=None, max_length=200)
    warc_offset: int | None = None
    warc_length: int | None = None
    # A copy read from a web archive because the page is gone from its site: the
    # archive's name and the memento's address (`fetched_at` is then the capture time).
    archive_name: str | None = Field(default=None, max_length=100)
    memento_url: str | None = Field(default=None, max_length=2048)
    updated_at: datetime = _timestamp()


class CrossReference(FetchedPage, table=True):
    """A page that bears on the claim or credits another outlet, or one that failed to
    fetch (`error`). A new gathering updates it. `hints` are for the reviewer; the verdict
    stays theirs."""

    __tablename__ = "cross_reference"
    __table_args__ = (UniqueConstraint("claim_id", "url", name="uq_cross_reference_claim_url"),)

    hint: str = Field(max_length=40)
    hints: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    passages: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    quote_diff: list[list[str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class RejectedPage(FetchedPage, table=True):
    """A page read for a claim that does not bear on it (crossref.outcomes: rejected). Not
    a cross-reference: kept apart, counted in its outlet's outcome and listed collapsed as
    a page read; its archived copy and validators serve the next gathering."""

    __tablename__ = "rejected_page"
    __table_args__ = (UniqueConstraint("claim_id", "url", name="uq_rejected_page_claim_url"),)


class ClaimOutletOutcome(SQLModel, table=True):
    """What searching one outlet for one claim came to (see crossref.outcomes): found,
    nothing found, could not check (with each failure) or not searchable. Kept once per
    (claim, outlet); a new gathering replaces it."""

    __tablename__ = "claim_outlet_outcome"
    __table_args__ = (
        UniqueConstraint("claim_id", "outlet", name="uq_claim_outlet_outcome_claim_outlet"),
        # Each outlet's recent searches (crossref.health).
        Index("ix_claim_outlet_outcome_outlet_checked_at", "outlet", "checked_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True, ondelete="CASCADE")
    outlet: str = Field(max_length=200)
    outcome: str = Field(max_length=20)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    # {"routes": [...], "listings": n, "pages_read": n, "window": [from, to] or null}
    searched: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # [{"url", "kind", "message", "retryable"}], kind a net.fetch.FailureKind value
    failures: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    depth: int = 0
    checked_at: datetime = _timestamp()
    # Searches in a row that could not be checked for a passing reason, and when the
    # claim is gathered again by itself (crossref.outcomes.next_retry); None: not again.
    tries: int = 0
    retry_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), index=True)
    # Since when this search has been could-not-check, across the tries in a row.
    failing_since: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Verdict(SQLModel, table=True):
    """One decision on a claim, kept after a reopen or an undo (which mark it)."""

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True, ondelete="CASCADE")
    reviewer_id: int = Field(foreign_key="user.id", index=True)
    status: ClaimStatus = Field(sa_type=_enum_column(ClaimStatus, "verdict_status"))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    evidence_urls: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The claim's version that this verdict produced: undo is allowed only while it holds.
    claim_version: int
    created_at: datetime = _timestamp(index=True)
    undone_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    reopened_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    reopen_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))

    reviewer: "User" = Relationship(sa_relationship_kwargs={"lazy": "selectin"})


class Person(Protocol):
    """What the review rules need of whoever acts: a User, or the lighter holder of an
    API token (factcheck.accounts.users.TokenHolder)."""

    @property
    def id(self) -> int | None: ...

    @property
    def username(self) -> str: ...

    @property
    def role(self) -> "Role": ...


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    password_hash: str = Field(max_length=256)
    role: Role = Field(default=Role.REVIEWER, sa_type=_enum_column(Role, "user_role"))
    active: bool = Field(default=True)
    created_at: datetime = _timestamp()

    # Flask-Login's user protocol, kept here so the web layer needs no wrapper class.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    # Only the SHA-256 of the token is kept; the token itself is shown once.
    token_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = _timestamp()

    user: User = Relationship(sa_relationship_kwargs={"lazy": "selectin"})


class Outlet(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    domains: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class OutletEdit(SQLModel, table=True):
    """One change an admin made to the outlet registry, on top of the shipped file and
    FACTCHECK_OUTLETS_FILE. Rows are appended: a name's newest row says how it stands
    ("set" to `entry`, "off", or "reset" to the files' entry)."""

    __tablename__ = "outlet_edit"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    change: str = Field(max_length=10)
    entry: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    actor: str = Field(max_length=120)
    at: datetime = _timestamp()


class OutletRegistry(SQLModel, table=True):
    """One row: the version of the newsroom's changes, raised by each change in its own
    transaction. Every process compares it with the version its copy was read at, and
    changes wait for each other on its row lock."""

    __tablename__ = "outlet_registry"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0)


FAILED_LOGIN = "action = 'login.failed'"


class AuditEvent(SQLModel, table=True):
    """One state change. Rows are appended, never updated or deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_object", "object_type", "object_id"),
        # Failed logins per address (the login rate limit), written for those alone.
        Index(
            "ix_audit_event_failed_login",
            "address",
            "at",
            postgresql_where=sql(FAILED_LOGIN),
            sqlite_where=sql(FAILED_LOGIN),
        ),
        UniqueConstraint("sha256", name="uq_audit_event_sha256"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _timestamp(index=True)
    actor: str = Field(max_length=120, index=True)
    address: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=60, index=True)
    object_type: str = Field(max_length=40)
    object_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The hash chain: this event's SHA-256 covers its content and the previous event's.
    prev_sha256: str | None = Field(default=None, max_length=64)
    sha256: str = Field(default="", max_length=64)


class AuditHead(SQLModel, table=True):
    """The newest event of the chain (one row). Appending is a compare-and-set on it, so
    events written at once by many workers still form one chain, and a deleted tail
    shows."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    sha256: str | None = Field(default=None, max_length=64)
