"""JSON Schemas that are part of the public contract (the design's "User Profile" schema)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def user_profile_schema() -> dict[str, Any]:
    """The account document's schema (JSON Schema draft-07), as the design document gives it."""
    text = resources.files(__package__).joinpath("user_profile.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema
