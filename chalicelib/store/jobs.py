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

    def titles(self, job_ids: list[str]) -> dict[str, str]:
        """id -> title of those jobs that exist, read in batches (a timeline names what it mentions)."""
        ids = list(dict.fromkeys(job_ids))
        return {item.id: item.title for item in JobModel.batch_get(ids, attributes_to_get=["id", "title"])} \
            if ids else {}

    def all(self) -> list[dict]:
        """Every job (a scan: jobs number in the hundreds, not the people's hundreds of thousands)."""
        return [to_dict(job) for job in JobModel.scan()]
