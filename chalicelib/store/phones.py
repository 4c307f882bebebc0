"""People by phone number: who texted us (inbound SMS: STOP, START).

There is no index by phone on the candidates table yet, so this scans it with a filter (the whole table is
read, page by page: fine while inbound texts are rare and the table small; each STOP is one scan). The index
that makes it one query: a sparse global secondary index `by_phone` on the candidates table, hash key
`phone` (S), keys-only projection (CandidateModel `by_phone`, infra's table definition); phones are stored in
E.164 for every number we text (domain/phones.py), so the inbound originationNumber matches it as it is.
"""
from __future__ import annotations

from .models import CandidateModel


class PhoneLookup:
    def ids_for_phone(self, numbers: list[str]) -> list[str]:
        """The ids of the people whose `phone` is one of `numbers` (exactly as stored)."""
        if not numbers:
            return []
        condition = CandidateModel.phone.is_in(*numbers)
        return [item.id for item in CandidateModel.scan(condition, attributes_to_get=["id"], page_size=1000)]
