#!/usr/bin/env python3
"""Run RecBole 1.2.1's SASRec on a `userllm data export` folder (our exact split).

Usage: run_sasrec.py EXPORT_DIR [EPOCHS]

EXPORT_DIR is the folder `userllm data export --format recbole --out EXPORT_DIR` wrote; its
recbole.yaml holds the protocol (leave-last-out by time, full ranking, Recall/NDCG@10).
RecBole's SASRec defaults otherwise (hidden 64, 2 layers, 2 heads, dropout 0.5, CE loss,
batch 2048, lr 1e-3), CPU, early stopping on validation NDCG@10 (patience 10 evaluations).
Prints the test Recall@10 / NDCG@10 of the best validated epoch.
"""
import os
import sys

from recbole.quick_start import run_recbole


def main():
    export = os.path.abspath(sys.argv[1])
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    config = {
        "data_path": os.path.dirname(export),
        "use_gpu": False,
        "epochs": epochs,
        "stopping_step": 10,
        "train_neg_sample_args": None,
        "loss_type": "CE",
        "show_progress": False,
        "seed": 2020,
        "reproducibility": True,
        "checkpoint_dir": os.path.join(export, "saved"),
    }
    result = run_recbole(model="SASRec", dataset=os.path.basename(export),
                         config_file_list=[os.path.join(export, "recbole.yaml")], config_dict=config)
    print("best valid:", dict(result["best_valid_result"]))
    print("test:", dict(result["test_result"]))


if __name__ == "__main__":
    main()
