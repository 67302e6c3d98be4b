"""Checkpoints in our engine's formats (Sources/UserLLM/Training/Trainer.swift):

  checkpoints/<stage>.safetensors          the result: every parameter, F32, by Swift name
  checkpoints/<stage>.resume.safetensors   "param.<name>", "adam.<name>.{exp_avg,exp_avg_sq,step}",
                                           "best.<name>"; metadata step, bad_evaluations,
                                           best_validation_loss

so a run stopped in either trainer resumes in the other. Writes are atomic: a temporary
file in the same folder, fsynced, renamed over the target, the folder fsynced.
"""
import json
import os

import torch
from safetensors.torch import load_file, save_file, safe_open


def atomic_write_bytes(path, data):
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, ".%s.tmp-%d" % (os.path.basename(path), os.getpid()))
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_save_safetensors(tensors, path, metadata=None):
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, ".%s.tmp-%d" % (os.path.basename(path), os.getpid()))
    save_file({k: v.detach().to("cpu", torch.float32).contiguous() for k, v in tensors.items()}, tmp,
              metadata={k: str(v) for k, v in (metadata or {}).items()})
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_json(obj, path):
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


def load_into(model, path, prefix="", strict=True):
    """Copies tensors named prefix + parameter name into the model. strict: every parameter
    must be present with its shape; errors name the file and tensor."""
    if not os.path.exists(path):
        raise FileNotFoundError("%s does not exist" % path)
    tensors = load_file(path)
    params = dict(model.named_parameters())
    missing = []
    with torch.no_grad():
        for name, p in params.items():
            t = tensors.get(prefix + name)
            if t is None:
                missing.append(name)
                continue
            if tuple(t.shape) != tuple(p.shape):
                raise ValueError("%s: tensor %s has shape %s, the model wants %s" % (path, prefix + name, tuple(t.shape), tuple(p.shape)))
            p.copy_(t.to(p.dtype))
    if strict and missing:
        raise ValueError("%s: missing %d tensors, e.g. %s" % (path, len(missing), ", ".join(prefix + m for m in missing[:3])))
    return missing


def read_metadata(path):
    with safe_open(path, "pt") as f:
        return f.metadata() or {}


def save_resume(path, model, optimizer, names, step, best, bad_evaluations, best_weights, stage):
    """The Swift Trainer's resume file."""
    out = {"param." + n: p for n, p in model.named_parameters()}
    by_param = {id(p): n for n, p in names}
    for p, state in optimizer.state.items():
        n = by_param.get(id(p))
        if n is None or "exp_avg" not in state:
            continue
        out["adam.%s.exp_avg" % n] = state["exp_avg"]
        out["adam.%s.exp_avg_sq" % n] = state["exp_avg_sq"]
        out["adam.%s.step" % n] = torch.tensor([float(state["step"])])
    for n, t in (best_weights or {}).items():
        out["best." + n] = t
    meta = {"stage": stage, "step": str(step), "bad_evaluations": str(bad_evaluations)}
    if best is not None:
        meta["best_validation_loss"] = repr(float(best))
    atomic_save_safetensors(out, path, meta)


def load_resume(path, model, optimizer, names):
    """Restores parameters and AdamW state; returns (step, best, bad_evaluations, best_weights)."""
    meta = read_metadata(path)
    if "step" not in meta:
        raise ValueError("%s: no step in the metadata" % path)
    tensors = load_file(path)
    load_into(model, path, prefix="param.", strict=True)
    device = next(model.parameters()).device
    for n, p in names:
        if ("adam.%s.step" % n) not in tensors:
            continue
        for key in ("exp_avg", "exp_avg_sq"):
            t = tensors.get("adam.%s.%s" % (n, key))
            if t is None or tuple(t.shape) != tuple(p.shape):
                raise ValueError("%s: adam.%s.%s is missing or has the wrong shape" % (path, n, key))
        optimizer.state[p] = {
            "step": torch.tensor(float(tensors["adam.%s.step" % n][0])),
            "exp_avg": tensors["adam.%s.exp_avg" % n].to(device, p.dtype).clone(),
            "exp_avg_sq": tensors["adam.%s.exp_avg_sq" % n].to(device, p.dtype).clone(),
        }
    best_weights = {k[5:]: v.to(device) for k, v in tensors.items() if k.startswith("best.")} or None
    best = float(meta["best_validation_loss"]) if "best_validation_loss" in meta else None
    return int(meta["step"]), best, int(meta.get("bad_evaluations", "0")), best_weights
