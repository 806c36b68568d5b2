"""The Celery app: `celery -A tasks worker` (and `factcheck worker`) start a worker."""

from tasks.app import celery_app as app
from tasks.crossrefs import gather_crossrefs
from tasks.review import expire_review_leases
from tasks.splitting import split_article, sweep_stalled_articles

__all__ = [
    "app",
    "expire_review_leases",
    "gather_crossrefs",
    "split_article",
    "sweep_stalled_articles",
]
