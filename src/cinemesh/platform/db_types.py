"""A JSON column that stores pydantic models and reads them back typed.

Contract data that a service keeps (an event's renditions, a window list) stays typed from the
wire to the table and back: the column validates on the way out, so code reading a row gets
the model, never a dict to pick apart with `.get()` and `int(...)`.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, TypeAdapter
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

Value = TypeVar("Value")


class PydanticJSON(TypeDecorator[Value], Generic[Value]):
    """`PydanticJSON(Rendition)` or `PydanticJSON(TypeAdapter(list[Rendition]))`.

    Stored as JSON (JSONB on PostgreSQL would need a migration per column; plain JSON keeps the
    existing columns as they are)."""

    impl = sa.JSON
    cache_ok = True

    def __init__(self, shape: type[BaseModel] | TypeAdapter[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shape = shape  # part of the statement cache key (SQLAlchemy reads init args back)
        self.adapter: TypeAdapter[Any] = shape if isinstance(shape, TypeAdapter) else TypeAdapter(shape)

    def process_bind_param(self, value: Value | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return self.adapter.dump_python(value, mode="json")

    def process_result_value(self, value: Any, dialect: Dialect) -> Value | None:
        if value is None:
            return None
        parsed: Value = self.adapter.validate_python(value)
        return parsed
