#!/usr/bin/env python3
"""SASRec (RecBole 1.2.1) on a split written by `userllm data export --format recbole`.

Usage: PYTHONPATH=<recbole> python3 Tools/split/run_sasrec.py EXPORT_DIR [EPOCHS] [THREADS]

The export's recbole.yaml carries our protocol (leave-last-out, full ranking, history
masked, NDCG@10 for early stopping); this script adds only the model and the epoch cap, so
the test figures compare with `userllm eval` on the same users and targets. RecBole's
SASRec defaults otherwise (hidden 64, 2 layers, 2 heads, dropout 0.5, CE loss, batch 2048,
lr 1e-3, patience 10 evaluations); EPOCHS caps the run where a full one does not fit.
RecBole's quick_start imports ray (for its tuner), a heavy install this needs nothing of,
so the pieces quick_start wires together are called directly. Needs, beside Debian's
python3-torch, -scipy, -pandas and -sklearn: recbole==1.2.1 --no-deps, colorlog, colorama,
texttable, thop, tabulate, tensorboard and a recent protobuf.
"""
import os
import sys
import time

import torch
from recbole.config import Config
from recbole.data import create_dataset, data_preparation
from recbole.model.sequential_recommender import SASRec
from recbole.trainer import Trainer
from recbole.utils import init_logger, init_seed


def main():
    export = os.path.abspath(sys.argv[1])
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    torch.set_num_threads(threads)
    name = os.path.basename(export)
    config = Config(
        model="SASRec",
        dataset=name,
        config_file_list=[os.path.join(export, "recbole.yaml")],
        config_dict={
            "data_path": os.path.dirname(export),
            "epochs": epochs,
            "device": "cpu",
            "use_gpu": False,
            # Cross-entropy over the whole catalogue: RecBole's SASRec default, which
            # takes no negative sampling.
            "loss_type": "CE",
            "train_neg_sample_args": None,
            "checkpoint_dir": os.path.join(export, "saved"),
        },
    )
    init_seed(config["seed"], config["reproducibility"])
    init_logger(config)
    dataset = create_dataset(config)
    train, valid, test = data_preparation(config, dataset)
    model = SASRec(config, train.dataset).to(config["device"])
    trainer = Trainer(config, model)
    start = time.time()
    _, best_valid_result = trainer.fit(train, valid, show_progress=False)
    seconds = time.time() - start
    result = trainer.evaluate(test, load_best_model=True, show_progress=False)
    print(f"epochs cap {epochs}, training {seconds:.0f} s, best valid {dict(best_valid_result)}")
    print(f"test {dict(result)}")


if __name__ == "__main__":
    main()
