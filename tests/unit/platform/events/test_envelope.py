from __future__ import annotations

import contextlib
import datetime as dt
import uuid

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cinemesh.platform.context import request_id_var
from cinemesh.platform.events.bus import Record, next_offsets, resolve_keys
from cinemesh.platform.events.envelope import Envelope, EnvelopeDecodeError


def make(**overrides: object) -> Envelope:
    fields: dict[str, object] = {
        "type": "catalog.title.created.v1",
        "source": "cinemesh/catalog",
        "subject": "t-1",
    }
    return Envelope.new(**{**fields, "data": {"name": "Alien"}, **overrides})  # type: ignore[arg-type]


def test_new_fills_id_time_and_the_current_request_id() -> None:
    token = request_id_var.set("req-1")
    try:
        envelope = make()
    finally:
        request_id_var.reset(token)

    assert uuid.UUID(envelope.id).version == 7
    assert envelope.time.tzinfo is not None
    assert abs(dt.datetime.now(dt.UTC) - envelope.time) < dt.timedelta(seconds=5)
    assert envelope.requestid == "req-1"
    assert (envelope.specversion, envelope.datacontenttype) == ("1.0", "application/json")


def test_without_a_request_the_request_id_is_empty() -> None:
    assert make().requestid is None


def test_ids_sort_by_creation() -> None:
    ids = [make().id for _ in range(50)]
    assert ids == sorted(ids)


def test_round_trip_is_exact() -> None:
    envelope = make()
    assert Envelope.from_bytes(envelope.to_bytes()) == envelope


def test_wire_format_is_cloudevents_json() -> None:
    raw = orjson.loads(make().to_bytes())
    assert set(raw) == {
        "specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data", "requestid",
    }  # fmt: skip
    assert raw["time"].endswith("Z") or raw["time"].endswith("+00:00")


def test_times_are_normalised_to_utc() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    envelope = Envelope(
        source="s", type="t.v1", subject="x", time=dt.datetime(2026, 1, 1, 12, tzinfo=plus_two)
    )
    assert envelope.time == dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    assert envelope.time.utcoffset() == dt.timedelta(0)


def test_unknown_attributes_from_newer_producers_are_ignored() -> None:
    raw = orjson.loads(make().to_bytes())
    raw["traceparent"] = "00-abc"
    assert Envelope.from_bytes(orjson.dumps(raw)).id == raw["id"]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "not JSON"),
        (b"\xff\xfe garbage", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'"a string"', "JSON object"),
        (b'{"specversion": "1.0"}', "invalid envelope"),
        (b'{"specversion": "2.0", "source": "s", "type": "t", "subject": "x"}', "invalid envelope"),
        (b'{"source": "s", "type": "t", "subject": "x", "time": "2026-01-01T00:00:00"}', "invalid envelope"),
        (b'{"source": "s", "type": "t", "subject": "", "data": {}}', "invalid envelope"),
        (b'{"source": "s", "type": "t", "subject": "x", "data": [1]}', "invalid envelope"),
    ],
)
def test_malformed_bytes_raise_one_clear_error_type(payload: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeDecodeError, match=reason):
        Envelope.from_bytes(payload)


def test_decode_error_is_a_value_error() -> None:
    assert issubclass(EnvelopeDecodeError, ValueError)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(deadline=None)  # CPU-bound and short; a loaded CI machine must not make it flaky
@given(data=st.dictionaries(st.text(), json_values, max_size=6), subject=st.text(min_size=1, max_size=40))
def test_any_json_data_round_trips(data: dict[str, object], subject: str) -> None:
    envelope = make(data=data, subject=subject)
    assert Envelope.from_bytes(envelope.to_bytes()) == envelope


@settings(deadline=None)
@given(payload=st.binary(max_size=200))
def test_arbitrary_bytes_never_raise_anything_but_the_decode_error(payload: bytes) -> None:
    with contextlib.suppress(EnvelopeDecodeError):
        Envelope.from_bytes(payload)


def test_keys_default_to_the_subject() -> None:
    events = [("t", make(subject="a")), ("t", make(subject="b"))]
    assert resolve_keys(events, None) == ["a", "b"]
    assert resolve_keys(events, [None, "k"]) == ["a", "k"]
    with pytest.raises(ValueError, match="one to one"):
        resolve_keys(events, ["only-one"])


def test_next_offsets_commit_one_past_the_highest_record_per_partition() -> None:
    now = dt.datetime.now(dt.UTC)
    records = [
        Record("t", 0, 4, "k", make(), now),
        Record("t", 0, 2, "k", make(), now),
        Record("t", 1, 9, "k", make(), now),
    ]
    assert next_offsets(records) == {("t", 0): 5, ("t", 1): 10}
