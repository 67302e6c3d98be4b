"""The optimiser side of our trainer (Sources/NN/Optim, Sources/UserLLM/Training/Trainer.swift):
AdamW with nanoGPT's grouping (decay only rank ≥ 2), the gates in their own group at
`gateLearningRateScale` × the rate, warmup + cosine to a tenth, global-norm clipping."""
import math

import torch


def adamw(named_params, lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1, gate=None, gate_scale=1.0):
    """torch.optim.AdamW over `named_params` [(name, p)]; groups carry "lr_scale" (1, or
    gate_scale for names `gate(name)` picks) and "weight_decay" (rank ≥ 2 only)."""
    groups = {}
    for name, p in named_params:
        scale = gate_scale if (gate is not None and gate_scale != 1 and gate(name)) else 1.0
        decay = weight_decay if p.dim() >= 2 else 0.0
        groups.setdefault((scale, decay), []).append(p)
    param_groups = [dict(params=ps, weight_decay=decay, lr=lr * scale, lr_scale=scale)
                    for (scale, decay), ps in sorted(groups.items(), key=lambda kv: (kv[0][0], -kv[0][1]))]
    return torch.optim.AdamW(param_groups, lr=lr, betas=betas, eps=eps)


def set_learning_rate(optimizer, lr):
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get("lr_scale", 1.0)


def cosine_lr(step, peak, warmup, total, floor=None):
    """CosineSchedule.learningRate(at:): linear warmup, half cosine to floor (peak/10).
    Computed in float32 like the Swift Float, so both trainers use the same rates."""
    f32 = lambda v: float(torch.tensor(v, dtype=torch.float32))  # noqa: E731
    peak = f32(peak)
    floor = f32(peak / 10) if floor is None else f32(floor)
    if step < warmup:
        return f32(peak * f32(step + 1) / f32(warmup))
    if step >= total:
        return floor
    progress = (step - warmup) / max(1, total - warmup)
    coefficient = 0.5 * (1 + math.cos(math.pi * progress))
    return f32(floor + f32(coefficient) * f32(peak - floor))


def clip_grad_norm(params, max_norm):
    """clip_grad_norm_ semantics (coefficient max/(norm + 1e-6), only when < 1); returns the norm."""
    return float(torch.nn.utils.clip_grad_norm_([p for p in params if p.grad is not None], max_norm))
