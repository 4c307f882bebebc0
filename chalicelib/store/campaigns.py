"""Templates, campaigns and sequence enrollments."""
from __future__ import annotations

import json
import zlib

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from .candidates import decode_cursor, encode_cursor
from ..domain.campaigns import DEFINITION
from ..domain.vocabulary import EnrollmentStatus
from .connection import condition_failed, create_all
from .convert import from_dict, to_dict
from .models import CampaignModel, EnrollmentModel, TemplateModel

CAMPAIGN_SHARDS = 4
ENROLLMENT_SHARDS = 8


def shard_of(key: str, shards: int) -> str:
    return str(zlib.crc32(key.encode()) % shards)


class TemplateRepository:
    def create(self, template: dict) -> None:
        from_dict(TemplateModel, template).save(condition=TemplateModel.id.does_not_exist())

    def get(self, template_id: str) -> dict | None:
        try:
            return to_dict(TemplateModel.get(template_id, consistent_read=True))
        except DoesNotExist:
            return None

    def save(self, template: dict) -> None:
        from_dict(TemplateModel, template).save(condition=TemplateModel.id.exists())

    def page(self, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        results = TemplateModel.scan(limit=limit, last_evaluated_key=decode_cursor(cursor, ("id",)))
        items = [to_dict(t) for t in results]
        return items, encode_cursor(results.last_evaluated_key)


def _campaign(item: CampaignModel) -> dict:
    data = to_dict(item)
    data.update(json.loads(data.pop("definition")))
    data["fanout"] = json.loads(data["fanout"]) if data.get("fanout") else None
    return data


class CampaignRepository:
    def create(self, campaign: dict) -> None:
        data = {k: v for k, v in campaign.items() if k not in DEFINITION}
        data["definition"] = json.dumps({k: campaign.get(k) for k in DEFINITION}, separators=(",", ":"))
        from_dict(CampaignModel, data).save(condition=CampaignModel.id.does_not_exist())

    def get(self, campaign_id: str) -> dict | None:
        try:
            return _campaign(CampaignModel.get(campaign_id, consistent_read=True))
        except DoesNotExist:
            return None

    def names(self, campaign_ids: list[str]) -> dict[str, str]:
        """id -> name of those campaigns that exist, read in batches (a timeline names what it mentions)."""
        ids = list(dict.fromkeys(campaign_ids))
        return {item.id: item.name for item in CampaignModel.batch_get(ids, attributes_to_get=["id", "name"])} \
            if ids else {}

    def page(self, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        results = CampaignModel.scan(limit=limit, last_evaluated_key=decode_cursor(cursor, ("id",)))
        items = [_campaign(c) for c in results]
        return items, encode_cursor(results.last_evaluated_key)

    def transition(self, campaign_id: str, expected: str, status: str, *, due_at: str | None | bool = False,
                   **values) -> bool:
        """Moves status if it is still `expected`. due_at: a time puts it on the scheduler's index,
        None takes it off, False leaves it."""
        actions: list[Action] = [CampaignModel.status.set(status)]
        actions += [getattr(CampaignModel, k).set(v) if v is not None else getattr(CampaignModel, k).remove()
                    for k, v in values.items()]
        actions += self._due_actions(campaign_id, due_at)
        try:
            CampaignModel(campaign_id).update(actions=actions, condition=CampaignModel.status == expected)
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    @staticmethod
    def _due_actions(campaign_id: str, due_at) -> list[Action]:
        if due_at is False:
            return []
        if due_at is None:
            return [CampaignModel.due_shard.remove(), CampaignModel.due_at.remove()]
        return [CampaignModel.due_shard.set(shard_of(campaign_id, CAMPAIGN_SHARDS)), CampaignModel.due_at.set(due_at)]

    def due(self, now: str) -> list[str]:
        ids = []
        for shard in range(CAMPAIGN_SHARDS):
            ids += [item.id for item in CampaignModel.due.query(str(shard), CampaignModel.due_at <= now)]
        return ids

    def lease(self, campaign_id: str, now: str, until: str) -> bool:
        """One scheduler at a time works on a campaign (a crashed one's lease runs out)."""
        try:
            CampaignModel(campaign_id).update(
                actions=[CampaignModel.lease_until.set(until)],
                condition=CampaignModel.lease_until.does_not_exist() | (CampaignModel.lease_until < now))
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def checkpoint(self, campaign_id: str, fanout: dict, enqueued: int, *, due_at=False, **values) -> None:
        actions: list[Action] = [CampaignModel.fanout.set(json.dumps(fanout, separators=(",", ":"))),
                   CampaignModel.enqueued.add(enqueued)]
        actions += [getattr(CampaignModel, k).set(v) for k, v in values.items()]
        actions += self._due_actions(campaign_id, due_at)
        CampaignModel(campaign_id).update(actions=actions)

    def release(self, campaign_id: str) -> None:
        CampaignModel(campaign_id).update(actions=[CampaignModel.lease_until.remove()])

    def add_processed(self, campaign_id: str, count: int) -> None:
        if count:
            CampaignModel(campaign_id).update(actions=[CampaignModel.processed.add(count)])


class EnrollmentRepository:
    def enroll(self, entries: list[dict]) -> list[str]:
        """Creates enrollments not yet there (transactions of 100). Returns the candidate ids enrolled."""
        items = [self._item(e) for e in entries]
        return [item.candidate_id for item in create_all(items, EnrollmentModel.candidate_id)]

    @staticmethod
    def _item(entry: dict) -> EnrollmentModel:
        data = dict(entry)
        if data.get("due_at"):
            data["due_shard"] = shard_of(data["candidate_id"], ENROLLMENT_SHARDS)
        return from_dict(EnrollmentModel, data)

    def get_many(self, campaign_id: str, candidate_ids: list[str]) -> dict[str, dict]:
        keys = [(campaign_id, c) for c in dict.fromkeys(candidate_ids)]
        return {item.candidate_id: to_dict(item) for item in EnrollmentModel.batch_get(keys)} if keys else {}

    def put_many(self, entries: list[dict]) -> None:
        with EnrollmentModel.batch_write() as batch:
            for entry in entries:
                batch.save(self._item(entry))

    def due(self, now: str, limit: int) -> list[dict]:
        """{campaign_id, candidate_id, due_at, step} of steps due now, at most `limit` per shard."""
        found = []
        for shard in range(ENROLLMENT_SHARDS):
            for item in EnrollmentModel.due.query(str(shard), EnrollmentModel.due_at <= now, limit=limit):
                found.append({"campaign_id": item.campaign_id, "candidate_id": item.candidate_id,
                              "due_at": item.due_at, "step": int(item.step)})
        return found

    def lease(self, campaign_id: str, candidate_id: str, due_at: str, until: str) -> bool:
        """Moves a due step out of sight while its send is queued; a lost message shows it again."""
        try:
            EnrollmentModel(campaign_id, candidate_id).update(
                actions=[EnrollmentModel.due_at.set(until)], condition=EnrollmentModel.due_at == due_at)
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def for_candidate(self, candidate_id: str) -> list[str]:
        return [item.campaign_id for item in EnrollmentModel.by_candidate.query(candidate_id)]

    def delete_for_candidate(self, candidate_id: str) -> int:
        campaign_ids = self.for_candidate(candidate_id)
        with EnrollmentModel.batch_write() as batch:
            for campaign_id in campaign_ids:
                batch.delete(EnrollmentModel(campaign_id, candidate_id))
        return len(campaign_ids)

    def active_count(self, campaign_id: str, limit: int = 1) -> int:
        active = EnrollmentModel.status == EnrollmentStatus.ACTIVE
        return sum(1 for _ in EnrollmentModel.query(campaign_id, filter_condition=active, limit=limit))
