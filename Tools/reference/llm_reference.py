"""A PyTorch mirror of userllm's LanguageModel (Sources/UserLLM/Model/LanguageModel.swift):
Llama-style decoder (RMSNorm, RoPE rotate-half, SwiGLU, tied embeddings) with a
Flamingo-style gated cross-attention to user embeddings U after each self-attention.

Shared by golden.py (the correctness fixture) and bench_torch.py (the speed reference).
Written against Debian's python3-torch 1.13 (/usr/bin/python3). Parameter names are the
Swift model's dotted paths, so a state dict maps 1:1 onto `LanguageModel.parameters()`.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rotary(x, base):
    """(B, H, T, D), pairs (i, i + D/2) rotated by position · base^(-2i/D) (HF Llama)."""
    t, d = x.shape[-2], x.shape[-1]
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    angles = torch.arange(t, dtype=torch.float64)[:, None] * inv_freq[None, :]  # (T, D/2)
    angles = torch.cat((angles, angles), dim=-1)
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    return x * cos + rotate_half(x) * sin


class Attention(nn.Module):
    def __init__(self, d, heads, context_dim=None, rotary_base=None):
        super().__init__()
        self.heads, self.head_dim, self.rotary_base = heads, d // heads, rotary_base
        context_dim = context_dim or d
        self.wq = nn.Linear(d, d, bias=False)
        self.wk = nn.Linear(context_dim, d, bias=False)
        self.wv = nn.Linear(context_dim, d, bias=False)
        self.wo = nn.Linear(d, d, bias=False)

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.head_dim).transpose(1, 2)  # (B, H, T, Dh)

    def forward(self, x, context=None, causal=False, key_lengths=None):
        src = x if context is None else context
        q, k, v = self.split(self.wq(x)), self.split(self.wk(src)), self.split(self.wv(src))
        if self.rotary_base is not None:
            q, k = rotary(q, self.rotary_base), rotary(k, self.rotary_base)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)
        if causal:
            t = scores.shape[-1]
            mask = torch.ones(t, t, dtype=torch.bool).triu(1)
            scores = scores.masked_fill(mask, float("-inf"))
        if key_lengths is not None:
            # Right padding: key j of batch entry b is real when j < key_lengths[b].
            padded = torch.arange(scores.shape[-1])[None, :] >= key_lengths[:, None]  # (B, Tk)
            scores = scores.masked_fill(padded[:, None, None, :], float("-inf"))
        o = scores.softmax(-1) @ v  # (B, H, T, Dh)
        b, h, t, dh = o.shape
        return self.wo(o.transpose(1, 2).reshape(b, t, h * dh))


class GatedCrossAttention(nn.Module):
    def __init__(self, d, heads, context_dim, eps):
        super().__init__()
        self.norm = RMSNorm(d, eps)
        self.attn = Attention(d, heads, context_dim=context_dim)
        self.gate = nn.Parameter(torch.zeros(1))

    def forward(self, h, u, u_lengths=None):
        return h + torch.tanh(self.gate) * self.attn(self.norm(h), context=u, key_lengths=u_lengths)


class SwiGLU(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.w1 = nn.Linear(d, hidden, bias=False)
        self.w2 = nn.Linear(hidden, d, bias=False)
        self.w3 = nn.Linear(d, hidden, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, eps = cfg["d"], cfg["eps"]
        self.attn_norm = RMSNorm(d, eps)
        self.attn = Attention(d, cfg["heads"], rotary_base=cfg["rope_base"])
        self.xattn = GatedCrossAttention(d, cfg["heads"], cfg["context_dim"], eps) if cfg["xattn"] else None
        self.mlp_norm = RMSNorm(d, eps)
        self.mlp = SwiGLU(d, cfg["hidden"])

    def forward(self, x, u, u_lengths=None):
        h = x + self.attn(self.attn_norm(x), causal=True)
        if self.xattn is not None and u is not None:
            h = self.xattn(h, u, u_lengths)
        return h + self.mlp(self.mlp_norm(h))


class LanguageModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg["vocab"], cfg["d"])
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg["layers"]))
        self.norm = RMSNorm(cfg["d"], cfg["eps"])

    def forward(self, tokens, u=None, u_lengths=None):
        x = self.tok_emb(tokens)  # (B, T, d)
        for block in self.blocks:
            x = block(x, u, u_lengths)
        return self.norm(x) @ self.tok_emb.weight.t()  # tied output head: (B, T, V)


def init_weights(model, generator, std=0.02):
    """nanoGPT-style init, as the Swift modules do: every matrix Normal(0, std²), norms 1,
    gates 0."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:
                p.copy_(torch.randn(p.shape, generator=generator) * std)
