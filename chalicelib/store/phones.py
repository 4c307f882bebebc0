"""People by phone number: who texted us (inbound SMS: STOP, START).

There is no index by phone on the candidates table yet, so this scans it with a filter (the whole table is
read, page by page: fine while inbound texts are rare and the table small; each STOP is one scan). The index
that makes it one query: a sparse global secondary index `by_phone` on the candidates table, hash key
`phone` (S), keys-only projection (CandidateModel `by_phone`, infra's table definition); phones are stored in
E.164 for every number we text (domain/phones.py), so the inbound originationNumber matches it as it is.
"""
from __future__ import annotations

from ..domain.phones import normalize_phone
from .models import CandidateModel


class PhoneLookup:
    def ids_for_phone(self, numbers: list[str]) -> list[str]:
        """The ids of the people whose `phone` is one of `numbers` as stored, or stored as typed (no "+": national
        digits kept before the person's country was known) and the same number read in their country. The scan
        reads the whole table either way (its cost is what it reads): the wider filter costs nothing more."""
        if not numbers:
            return []
        wanted = set(numbers)
        condition = CandidateModel.phone.is_in(*numbers) | (
            CandidateModel.phone.exists() & ~CandidateModel.phone.startswith("+") & CandidateModel.country.exists())
        return [item.id for item in CandidateModel.scan(condition, attributes_to_get=["id", "phone", "country"],
                                                         page_size=1000)
                if item.phone in wanted or normalize_phone(item.phone, item.country) in wanted]
