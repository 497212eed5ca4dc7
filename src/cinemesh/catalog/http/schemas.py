"""Response models and query groups of the catalog's routes (what editors send is validated by
`domain/inputs.py`, which the importer shares)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


class Page(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class Paging:
    cursor: str | None
    limit: int | None
    from_title: str | None
