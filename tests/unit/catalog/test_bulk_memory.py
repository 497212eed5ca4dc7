"""An import holds the cyclic collector back and gives the process its own setting back."""

from __future__ import annotations

import gc

from cinemesh.catalog.write.service.bulk_memory import BULK_THRESHOLD, fewer_gc_passes


def test_the_threshold_is_raised_during_imports_and_restored_after_the_last() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with fewer_gc_passes():
            assert gc.get_threshold() == (BULK_THRESHOLD, 10, 10)
            with fewer_gc_passes():  # a second import at the same time
                assert gc.get_threshold()[0] == BULK_THRESHOLD
            assert gc.get_threshold()[0] == BULK_THRESHOLD  # the first is still running
        assert gc.get_threshold() == (700, 10, 10)
        try:
            with fewer_gc_passes():
                raise RuntimeError("the import failed")
        except RuntimeError:
            pass
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
