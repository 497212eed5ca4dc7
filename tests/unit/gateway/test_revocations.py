"""The gateway's memory of ended sessions: what it refuses, and when it forgets."""

from __future__ import annotations

import datetime as dt

from cinemesh.contracts.users import SessionRevokedV1, SessionsEndedV1, UserDeletedV1
from cinemesh.gateway.revocations import SessionRevocations
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.tokens import Principal

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def principal(user_id: str, generation: int | None) -> Principal:
    return Principal(
        user_id=user_id, roles=frozenset(), token_id="j", expires_at=NOW, session_generation=generation
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def envelope(event: SessionsEndedV1 | SessionRevokedV1 | UserDeletedV1) -> Envelope:
    return Envelope.new(
        type=event.event_type,
        source="cinemesh/users",
        subject=event.subject,
        data=event.model_dump(mode="json"),
    )


def test_ended_sessions_refuse_older_generations_only() -> None:
    revocations = SessionRevocations(remember_seconds=960)
    revocations.apply(envelope(SessionsEndedV1(user_id="u", session_generation=3, reason="x", ended_at=NOW)))
    assert revocations.refuses(principal("u", 2))
    assert revocations.refuses(principal("u", None))  # a token without a generation predates them all
    assert not revocations.refuses(principal("u", 3))  # issued after the change
    assert not revocations.refuses(principal("someone-else", 0))


def test_an_older_event_never_lowers_the_floor_and_deletion_refuses_everything() -> None:
    revocations = SessionRevocations(remember_seconds=960)
    revocations.sessions_ended("u", 5)
    revocations.sessions_ended("u", 2)  # redelivered out of order
    assert revocations.refuses(principal("u", 4))
    revocations.apply(envelope(UserDeletedV1(user_id="u", deleted_at=NOW)))
    assert revocations.refuses(principal("u", 99))


def test_entries_are_forgotten_once_every_token_they_refuse_has_expired() -> None:
    clock = Clock()
    revocations = SessionRevocations(remember_seconds=960, clock=clock)
    revocations.account_deleted("u")
    clock.now += 959
    assert revocations.refuses(principal("u", 0))
    clock.now += 2
    assert not revocations.refuses(principal("u", 0))


def test_other_users_events_are_ignored() -> None:
    revocations = SessionRevocations(remember_seconds=960)
    other = Envelope.new(type="users.user.registered.v1", source="s", subject="u", data={"user_id": "u"})
    revocations.apply(other)
    assert not revocations.refuses(principal("u", 0))


def test_a_revoked_session_refuses_its_tokens_only_until_they_have_expired() -> None:
    clock = Clock()
    revocations = SessionRevocations(remember_seconds=960, clock=clock)
    ended = SessionRevokedV1(user_id="u", session_id="family-1", reason="logout", ended_at=NOW)
    revocations.apply(envelope(ended))
    in_session = Principal(
        user_id="u",
        roles=frozenset(),
        token_id="j",
        expires_at=NOW,
        session_generation=0,
        session_id="family-1",
    )
    other_session = Principal(
        user_id="u",
        roles=frozenset(),
        token_id="k",
        expires_at=NOW,
        session_generation=0,
        session_id="family-2",
    )
    assert revocations.refuses(in_session)
    assert not revocations.refuses(other_session)  # the account's other devices stay signed in
    assert not revocations.refuses(principal("u", 0))  # a token without a session id
    clock.now += 960
    assert not revocations.refuses(in_session)
