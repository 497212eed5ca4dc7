"""Ids are canonical UUIDv7 strings that sort by creation, whichever helper made them."""

from __future__ import annotations

import uuid

from cinemesh.platform.ids import new_id, new_id_str


def test_new_id_str_is_a_canonical_uuid7_in_creation_order() -> None:
    made = [new_id_str() if index % 2 else str(new_id()) for index in range(2_000)]
    assert made == sorted(made) and len(set(made)) == len(made)
    for text in made[:50]:
        parsed = uuid.UUID(text)
        assert parsed.version == 7 and str(parsed) == text  # lowercase, hyphenated
