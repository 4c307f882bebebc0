"""Jobs, keyed by id."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from ..domain.vocabulary import JobStatus
from .convert import from_dict, to_dict
from .models import JobModel


class JobRepository:
    def create(self, job: dict) -> None:
        from_dict(JobModel, job).save(condition=JobModel.id.does_not_exist())

    def mark_filled(self, job_id: str, at: str) -> None:
        from ..domain.clock import iso

        JobModel(job_id).update(actions=[JobModel.status.set(JobStatus.FILLED), JobModel.filled_at.set(at),
                                         JobModel.updated_at.set(iso())])

    def get(self, job_id: str) -> dict | None:
        try:
            return to_dict(JobModel.get(job_id, consistent_read=True))
        except DoesNotExist:
            return None
