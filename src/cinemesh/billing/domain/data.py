"""The base of every ledger entry's data: frozen, and nothing unknown is accepted."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
