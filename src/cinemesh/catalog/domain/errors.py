"""What the catalog's rules refuse, each with the code clients see as the problem `type`.

The catalog's problems have always named the field at the top level (`"field": "cursor"`), not
in `errors[]`; `FieldAtTop` keeps that shape so the responses stay as clients know them.
"""

from __future__ import annotations

from cinemesh.platform.errors import ConflictError, DomainError, FieldAtTop, NotFoundError, RuleViolation


class TitleNotFoundError(NotFoundError):
    """No such title, or one the caller may not see (someone else's looks like none)."""

    code = "title-not-found"

    def __init__(self, title_id: str) -> None:
        super().__init__(f"No title {title_id}.")


class EpisodeNotFoundError(NotFoundError):
    code = "episode-not-found"

    def __init__(self, title_id: str, episode_id: str) -> None:
        super().__init__(f"No episode {episode_id} in title {title_id}.")


class ImageNotFoundError(NotFoundError):
    code = "image-not-found"


class ConcurrentModificationError(ConflictError):
    code = "concurrent-modification"

    def __init__(self) -> None:
        super().__init__("The title changed while this request ran; try again.")


class DuplicateExternalIdError(FieldAtTop, ConflictError):
    code = "duplicate-external-id"


class TitleArchivedError(ConflictError):
    code = "title-archived"


class VideoNotReadyError(ConflictError):
    code = "video-not-ready"


class NoAvailabilityError(FieldAtTop, ConflictError):
    code = "no-availability"


class InvalidInputError(FieldAtTop, RuleViolation):
    """An input the rules refuse that the request's schema could not tell (422, like schema errors)."""

    code = "validation-error"


class InvalidWindowsError(FieldAtTop, RuleViolation):
    code = "invalid-window"


class EmptyImageError(FieldAtTop, RuleViolation):
    code = "empty-image"


class ImageMismatchError(FieldAtTop, RuleViolation):
    code = "image-mismatch"


class UnsupportedImageTypeError(FieldAtTop):
    code = "unsupported-media-type"


class ImageTooLargeError(DomainError):
    code = "image-too-large"
