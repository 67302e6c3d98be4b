"""Logits of a run's finetuned model on a fixed batch (the export's first validation
examples), written with the batch's ids so our engine can compute the same logits and
compare (Tests/UserLLMTests/TorchInteropTests.swift):

  python -m userllm_torch.logits --run RUN --export EXP --model xattn+perceiver-full --out F

Works on runs trained by either trainer. The forward runs in float64 on the float32 weights.
A backbone run's checkpoint holds only what trained: the LLM comes from its GGUF file
(the preset's backbone in the model cache, or --gguf) and the frozen encoder from the run.
Stored (F32; integers exact): input.sequences (B, S) padded, input.sequence_lengths,
input.prompt_lengths, input.events.{item,category,rating,lengths}, logits (B, T, V).
"""
import argparse
import json
import os

import torch
from safetensors.torch import save_file

from .backbone import backbone_path, load_backbone_into
from .checkpoint import load_into
from .data import Export
from .model import UserLLMModel, lora_settings, model_config


def parse_name(name):
    """"xattn+perceiver-full" → ("xattn", True, "full")."""
    head, _, strategy = name.partition("-")
    strategy = strategy.split("-")[0]
    mode = head.split("+")[0]
    return mode, "+perceiver" in head, strategy


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m userllm_torch.logits")
    p.add_argument("--run", required=True)
    p.add_argument("--export", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--count", type=int, default=4)
    p.add_argument("--out", required=True)
    p.add_argument("--gguf", help="a backbone run's GGUF file (default: the preset's backbone in the model cache)")
    a = p.parse_args(argv)
    export = Export(a.export)
    with open(os.path.join(a.run, "config.json")) as f:
        preset = json.load(f)["preset"]
    mode, perceiver, strategy = parse_name(a.model)
    model = UserLLMModel(model_config(preset, mode, perceiver), *export.vocab_sizes)
    rank, alpha, _, targets = lora_settings(preset)
    model.apply_strategy(strategy, rank, alpha, lora_targets=targets)
    checkpoint = os.path.join(a.run, "checkpoints", a.model + ".safetensors")
    gguf = a.gguf or (backbone_path(preset["backbone"]) if preset.get("backbone") else None)
    if gguf:
        load_backbone_into(model.llm, gguf)
        if model.encoder is not None:
            load_into(model.encoder, os.path.join(a.run, "checkpoints", "encoder.safetensors"), prefix="encoder.")
        missing = set(load_into(model, checkpoint, strict=False))
        trained = [n for n, q in model.named_parameters() if q.requires_grad and n in missing]
        if trained:
            raise SystemExit("%s: missing %d trained tensors, e.g. %s" % (checkpoint, len(trained), ", ".join(trained[:3])))
    else:
        load_into(model, checkpoint, strict=True)
    model.double().eval()
    indices = list(range(min(a.count, export.count("validation"))))
    tokens, targets, events = export.batch("validation", indices)
    part = export.part("validation")
    seqs = part.sequences(indices)
    padded = torch.full((len(seqs), max(len(s) for s in seqs)), int(export.manifest["padToken"]), dtype=torch.long)
    for b, s in enumerate(seqs):
        padded[b, :len(s)] = s
    with torch.no_grad():
        logits = model(tokens, events if mode != "tp" else None)
    out = {"input.sequences": padded.float(), "input.sequence_lengths": torch.tensor([len(s) for s in seqs]).float(),
           "input.prompt_lengths": part.column("prompt_length", indices).float(), "logits": logits.float()}
    for k in ("item", "category", "rating", "lengths"):
        out["input.events." + k] = events[k].float()
    save_file({k: v.contiguous() for k, v in out.items()}, a.out,
              metadata={"model": a.model, "pad": str(export.manifest["padToken"])})
    print("wrote %s: logits %s" % (a.out, tuple(logits.shape)))


if __name__ == "__main__":
    main()
