"""Runs in the recommendation bench's own virtualenv (RecBole and torch, never the project's):
RecBole's own EASE or ItemKNN through RecBole's own pipeline on the bench's protocol (ratings
>= 3, random 8:1:1 per user, full sort, Recall/NDCG/Hit@10) and on the `ml-100k` files its
wheel ships. Prints one JSON object: the metrics and the model's fit time (wall and CPU).

    python _recommend_recbole.py EASE|ItemKNN
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from typing import Any


def run(model_name: str) -> dict[str, Any]:
    import recbole  # type: ignore[import-not-found]
    from recbole.config import Config  # type: ignore[import-not-found]
    from recbole.data import create_dataset, data_preparation  # type: ignore[import-not-found]
    from recbole.utils import get_model, get_trainer, init_seed  # type: ignore[import-not-found]

    folder = tempfile.mkdtemp()
    config = Config(
        model=model_name,
        dataset="ml-100k",
        config_dict={
            "data_path": os.path.join(os.path.dirname(recbole.__file__), "dataset_example"),
            "checkpoint_dir": folder,
            "load_col": {"inter": ["user_id", "item_id", "rating", "timestamp"]},
            "val_interval": {"rating": "[3,inf)"},
            "eval_args": {
                "split": {"RS": [0.8, 0.1, 0.1]},
                "order": "RO",
                "group_by": "user",
                "mode": "full",
            },
            "metrics": ["Recall", "NDCG", "Hit"],
            "topk": [10],
            "valid_metric": "NDCG@10",
            "device": "cpu",
            "use_gpu": False,
            "show_progress": False,
            "epochs": 1,
            "seed": 2020,
            "state": "ERROR",
        },
    )
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    train_data, valid_data, test_data = data_preparation(config, dataset)
    # Both models are fitted in their constructor (EASE's solve, ItemKNN's similarity); the
    # trainer's one epoch is a no-op plus a validation pass, left out of the time.
    started, cpu = time.perf_counter(), time.process_time()
    model = get_model(config["model"])(config, train_data._dataset).to(config["device"])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, model)
    trainer.fit(train_data, valid_data, saved=False, show_progress=False)
    result = trainer.evaluate(test_data, load_best_model=False, show_progress=False)
    return {
        "fit_seconds": seconds,
        "fit_cpu": cpu,
        "recall": float(result["recall@10"]),
        "ndcg": float(result["ndcg@10"]),
        "hit": float(result["hit@10"]),
    }


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1])))
