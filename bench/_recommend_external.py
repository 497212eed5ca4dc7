"""Runs in the recommendation bench's own virtualenv (not the project's): `implicit`'s ALS on
the bench's split. Prints one JSON object (fit times); the scores go to SCORES.npy.

    python _recommend_external.py SPLIT.npz SCORES.npy
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def run_implicit(split_path: str, scores_path: str) -> dict[str, Any]:
    import numpy as np
    import scipy.sparse as sp
    from implicit.cpu.als import AlternatingLeastSquares

    saved = np.load(split_path)
    train = sp.csr_matrix((saved["data"], saved["indices"], saved["indptr"]), shape=tuple(saved["shape"]))
    model = AlternatingLeastSquares(factors=64, regularization=0.05, iterations=15, random_state=2020)
    started, cpu = time.perf_counter(), time.process_time()
    model.fit(train, show_progress=False)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    np.save(scores_path, model.user_factors @ model.item_factors.T)
    return {"fit_seconds": seconds, "fit_cpu": cpu}


if __name__ == "__main__":
    print(json.dumps(run_implicit(*sys.argv[1:3])))
