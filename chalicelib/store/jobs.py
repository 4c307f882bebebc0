"""Jobs, keyed by id."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from .convert import from_dict, to_dict
from .models import JobModel


class JobRepository:
    def create(self, job: dict) -> None:
        from_dict(JobModel, job).save(condition=JobModel.id.does_not_exist())

    def get(self, job_id: str) -> dict | None:
        try:
            return to_dict(JobModel.get(job_id, consistent_read=True))
        except DoesNotExist:
            return None
