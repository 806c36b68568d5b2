"""An article's verification report: what an editor reads before the article runs, or
before a correction is published. Built from the database into plain values, which the
web page, the PDF, the JSON API and the CLI all render."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from factcheck.crossref.align import BEARING_HINTS, QUOTE_DIFFERS, words_given_to
from factcheck.crossref.outcomes import COULD_NOT_CHECK, NOT_SEARCHABLE, NOTHING_FOUND, meaning_of
from factcheck.errors import NotFound
from factcheck.models import (
    Article,
    Claim,
    ClaimOutletOutcome,
    ClaimStatus,
    CrossReference,
    User,
    Verdict,
    aware,
)

PASSAGE_CHARACTERS = 600


@dataclass(frozen=True)
class Evidence:
    """One page of a cited outlet considered for the claim."""

    outlet: str
    url: str
    hint: str
    hints: list[str]
    found_by: str
    passage: str | None
    quote_diff: list[list[str]]
    # The citation chain: the page whose text credited this outlet, and how many hops.
    via_url: str | None
    depth: int
    crossref_id: int | None
    archived: bool
    archived_sha256: str | None
    fetched_at: datetime | None
    error: str | None
    meaning: str = ""  # what the hints mean (crossref.outcomes): supports, contradicts, ...
    # Who the source gives the quote to, when another person than the claim's speaker.
    quoted_speaker: str | None = None
    # A copy read from a web archive, the page being gone from the outlet's site: the
    # archive's name and the memento's address (`fetched_at` is the capture's time).
    archive_name: str | None = None
    memento_url: str | None = None

    @property
    def bears_on_claim(self) -> bool:
        return self.hint in BEARING_HINTS


@dataclass(frozen=True)
class OutcomeEntry:
    """What searching one outlet for the claim came to (see crossref.outcomes)."""

    outlet: str
    outcome: str
    reason: str
    failure_count: int
    depth: int


@dataclass(frozen=True)
class HistoryEntry:
    """One verdict given on the claim, including those later undone or reopened."""

    status: str
    reviewer: str
    at: datetime
    note: str | None
    undone_at: datetime | None
    reopened_at: datetime | None
    reopen_reason: str | None


@dataclass(frozen=True)
class ClaimEntry:
    id: int
    position: int
    text: str
    speaker: str | None
    kind: str
    cited_outlets: list[str]
    status: str
    reviewer: str | None
    decided_at: datetime | None
    note: str | None
    evidence_urls: list[str]
    crossref_state: str
    evidence: list[Evidence]
    history: list[HistoryEntry]
    outcomes: list[OutcomeEntry] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return self.status == ClaimStatus.PENDING.value


@dataclass(frozen=True)
class OutletTally:
    """The claims credited to one cited outlet, by verdict, and what searching the outlet
    came to once gathering was over: searched with nothing found (`not_found`), could
    not be checked (a failed request, or a gathering that failed), or not searchable."""

    outlet: str
    claims: int
    verified: int = 0
    disputed: int = 0
    unsourced: int = 0
    pending: int = 0
    not_found: int = 0
    could_not_check: int = 0
    not_searchable: int = 0


@dataclass(frozen=True)
class Figures:
    claims: int
    by_status: dict[str, int]
    cross_referenced: int
    quote_differs: int
    gathering: int

    @property
    def decided(self) -> int:
        return self.claims - self.by_status[ClaimStatus.PENDING.value]

    @property
    def complete(self) -> bool:
        """Every claim decided. An article without claims has nothing to decide, and its
        report does not pass for finished either: an empty split is worth a look."""
        return self.claims > 0 and self.decided == self.claims

    @property
    def percent_decided(self) -> int:
        return (100 * self.decided // self.claims) if self.claims else 0


@dataclass(frozen=True)
class ArticleReport:
    article_id: int
    title: str | None
    url: str | None
    publisher: str | None
    published_at: datetime | None
    state: str
    submitted_by: str
    # Outlets the article credits as a whole ("(Reuters) -", "Reporting by ..."): every
    # claim is searched for at them too.
    credited_outlets: list[str]
    generated_at: datetime
    figures: Figures
    claims: list[ClaimEntry]
    outlets: list[OutletTally] = field(default_factory=list)


def build_report(session: Session, *, article_id: int, now: datetime) -> ArticleReport:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"There is no article {article_id}.")
    claims = list(
        session.exec(
            select(Claim)
            .where(Claim.article_id == article_id)
            .order_by(col(Claim.position))
            .options(
                selectinload(Claim.outlets),
                selectinload(Claim.crossrefs),
                selectinload(Claim.outlet_outcomes),
            )
        ).all()
    )
    histories = _histories(session, [claim.id for claim in claims])
    reviewers = _usernames(session, {c.decided_by_id for c in claims if c.decided_by_id})
    entries = [_claim_entry(c, reviewers, histories.get(c.id, [])) for c in claims]
    return ArticleReport(
        article_id=article_id,
        title=article.title,
        url=article.url,
        publisher=article.publisher,
        published_at=aware(article.published_at) if article.published_at else None,
        state=article.state.value,
        submitted_by=article.submitted_by,
        credited_outlets=list(article.credited_outlets),
        generated_at=now,
        figures=_figures(entries),
        claims=entries,
        outlets=outlet_tallies(entries, credited=article.credited_outlets),
    )


def _histories(session: Session, claim_ids: list[int]) -> dict[int, list[HistoryEntry]]:
    rows = session.exec(
        select(Verdict).where(col(Verdict.claim_id).in_(claim_ids)).order_by(col(Verdict.id))
    ).all()
    histories: dict[int, list[HistoryEntry]] = {}
    for verdict in rows:
        histories.setdefault(verdict.claim_id, []).append(
            HistoryEntry(
                status=verdict.status.value,
                reviewer=verdict.reviewer.username,
                at=aware(verdict.created_at),
                note=verdict.note,
                undone_at=_aware_or_none(verdict.undone_at),
                reopened_at=_aware_or_none(verdict.reopened_at),
                reopen_reason=verdict.reopen_reason,
            )
        )
    return histories


def _usernames(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.username).where(col(User.id).in_(user_ids)))
    return dict(rows.all())


def _aware_or_none(moment: datetime | None) -> datetime | None:
    return aware(moment) if moment else None


def _claim_entry(
    claim: Claim, reviewers: dict[int, str], history: list[HistoryEntry]
) -> ClaimEntry:
    return ClaimEntry(
        id=claim.id,
        position=claim.position,
        text=claim.text,
        speaker=claim.speaker,
        kind=claim.kind.value,
        cited_outlets=sorted(outlet.name for outlet in claim.outlets),
        status=claim.status.value,
        reviewer=reviewers.get(claim.decided_by_id) if claim.decided_by_id else None,
        decided_at=_aware_or_none(claim.decided_at),
        note=claim.note,
        evidence_urls=list(claim.evidence_urls),
        crossref_state=claim.crossref_state.value,
        # A page that failed to fetch is no evidence: its outlet's outcome names it.
        evidence=[_evidence(ref) for ref in claim.crossrefs if ref.error is None],
        history=history,
        outcomes=[_outcome(row) for row in claim.outlet_outcomes],
    )


def _outcome(row: ClaimOutletOutcome) -> OutcomeEntry:
    return OutcomeEntry(row.outlet, row.outcome, row.reason, len(row.failures), row.depth)


def _evidence(ref: CrossReference) -> Evidence:
    passage = ref.passages[0]["text"] if ref.passages else None
    if passage and len(passage) > PASSAGE_CHARACTERS:
        passage = passage[:PASSAGE_CHARACTERS].rsplit(" ", 1)[0] + " …"
    return Evidence(
        outlet=ref.outlet,
        url=ref.url,
        hint=ref.hint,
        hints=list(ref.hints),
        found_by=ref.source,
        passage=passage,
        quote_diff=[list(pair) for pair in ref.quote_diff],
        via_url=ref.parent_url,
        depth=ref.depth,
        crossref_id=ref.id,
        archived=ref.warc_file is not None,
        archived_sha256=ref.sha256 if ref.warc_file else None,
        fetched_at=_aware_or_none(ref.fetched_at),
        error=ref.error,
        meaning=meaning_of(ref.hints),
        quoted_speaker=words_given_to(ref.hints),
        archive_name=ref.archive_name,
        memento_url=ref.memento_url,
    )


def _figures(claims: list[ClaimEntry]) -> Figures:
    by_status = {status.value: 0 for status in ClaimStatus}
    by_status.update(Counter(claim.status for claim in claims))
    return Figures(
        claims=len(claims),
        by_status=by_status,
        cross_referenced=sum(any(e.bears_on_claim for e in c.evidence) for c in claims),
        quote_differs=sum(any(e.hint == QUOTE_DIFFERS for e in c.evidence) for c in claims),
        gathering=sum(c.crossref_state in ("waiting", "running") for c in claims),
    )


def outlet_tallies(claims: list[ClaimEntry], *, credited: list[str]) -> list[OutletTally]:
    """Per cited outlet, the verdicts on the claims credited to it (by the claim itself,
    or by the article as a whole), and what searching the outlet came to once gathering
    was over. A claim whose outlet could not be checked is never counted as not found."""
    counts: dict[str, Counter[str]] = {}
    for claim in claims:
        outcomes = {outcome.outlet: outcome.outcome for outcome in claim.outcomes}
        for outlet in dict.fromkeys([*claim.cited_outlets, *credited]):
            tally = counts.setdefault(outlet, Counter())
            tally["claims"] += 1
            tally[claim.status] += 1
            tally[_search_result(claim, outlet, outcomes.get(outlet))] += 1
    return [
        OutletTally(
            outlet=outlet,
            claims=tally["claims"],
            verified=tally[ClaimStatus.VERIFIED.value],
            disputed=tally[ClaimStatus.DISPUTED.value],
            unsourced=tally[ClaimStatus.UNSOURCED.value],
            pending=tally[ClaimStatus.PENDING.value],
            not_found=tally[NOTHING_FOUND],
            could_not_check=tally[COULD_NOT_CHECK],
            not_searchable=tally[NOT_SEARCHABLE],
        )
        for outlet, tally in sorted(counts.items(), key=lambda item: (-item[1]["claims"], item[0]))
    ]


def _search_result(claim: ClaimEntry, outlet: str, outcome: str | None) -> str:
    """What searching `outlet` came to for the claim, as the outlet table counts it."""
    if claim.crossref_state in ("waiting", "running"):
        return "gathering"
    if claim.crossref_state == "failed":
        return COULD_NOT_CHECK
    if any(e.outlet == outlet and e.bears_on_claim for e in claim.evidence):
        return "found"
    # An outlet gathering did not search (unknown to the registry, or turned off).
    return outcome or NOT_SEARCHABLE


def report_as_json(report: ArticleReport) -> dict[str, Any]:
    """The report as JSON-ready values: timestamps in ISO 8601, the derived figures
    (decided, complete, percent) spelled out so a consumer need not recompute them."""
    data = _isoformat(asdict(report))
    figures = report.figures
    data["figures"].update(
        decided=figures.decided,
        complete=figures.complete,
        percent_decided=figures.percent_decided,
    )
    return data


def _isoformat(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _isoformat(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_isoformat(item) for item in value]
    return value
