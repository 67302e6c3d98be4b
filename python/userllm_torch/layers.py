"""Building blocks, each the mirror of one Swift type (names = its parameter names):

  RMSNorm       Sources/NN/Layers/RMSNorm.swift           "weight"
  LayerNorm     Sources/NN/Layers/LayerNorm.swift         "weight" (+ "bias")
  Linear        Sources/NN/Layers/Linear.swift            torch's nn.Linear: "weight" (out, in), "bias"
  LoRALinear    Sources/NN/Layers/LoRALinear.swift        "weight", "bias", "lora_A", "lora_B"
  Attention     Sources/NN/Attention/MultiHeadAttention   "wq", "wk", "wv", "wo"
  GatedCrossAttention  Sources/NN/Attention/GatedCrossAttention.swift  "norm", "attn", "gate"
  SwiGLU        Sources/NN/Layers/SwiGLUMLP.swift         "w1", "w2", "w3"
  GELUMLP       Sources/NN/Layers/GELUMLP.swift           "fc", "proj"
  Block         Sources/NN/Transformer/TransformerBlock   encoder (GPT-2) or llama style
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class LayerNorm(nn.Module):
    """nn.LayerNorm with an optional bias (torch 1.13's has no bias=False)."""

    def __init__(self, dim, eps=1e-5, bias=True):
        super().__init__()
        self.dim, self.eps = dim, eps
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, (self.dim,), self.weight, self.bias, self.eps)


class LoRALinear(nn.Module):
    """y = x·Wᵀ + b + (alpha / rank)·(x·Aᵀ)·Bᵀ with W and b frozen (Hu et al. 2021).
    A starts uniform in ±1/√in, B at zero: a fresh adapter changes nothing."""

    def __init__(self, base, rank, alpha, generator=None):
        super().__init__()
        self.rank, self.alpha = rank, alpha
        self.weight = base.weight
        self.bias = base.bias
        self.weight.requires_grad_(False)
        if self.bias is not None:
            self.bias.requires_grad_(False)
        bound = 1 / math.sqrt(base.in_features)
        a = (torch.rand(rank, base.in_features, generator=generator) * 2 - 1) * bound
        self.lora_A = nn.Parameter(a.to(base.weight.dtype))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank, dtype=base.weight.dtype))
        self.in_features, self.out_features = base.in_features, base.out_features

    @property
    def scaling(self):
        return self.alpha / self.rank

    def forward(self, x):
        return F.linear(x, self.weight, self.bias) + (x @ self.lora_A.t() @ self.lora_B.t()) * self.scaling


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


ROPE_STYLES = ("half", "interleaved")


def rotary(x, base, style="half"):
    """(B, H, T, D): pair i turned by position · base^(-2i/D). Swift's RotaryStyle:
    "half" pairs features (i, i + D/2) (HF Llama's rotate_half; the models we train);
    "interleaved" pairs (2i, 2i+1) — GGUF llama files need it, because llama.cpp's converter
    permutes each head's q/k rows into that layout."""
    t, d = x.shape[-2], x.shape[-1]
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    angles = torch.arange(t, dtype=torch.float64)[:, None] * inv_freq[None, :]  # (T, D/2)
    if style == "interleaved":
        cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)  # (T, D/2)
        pairs = x.unflatten(-1, (d // 2, 2))  # (B, H, T, D/2, 2): (x_2i, x_2i+1)
        even, odd = pairs[..., 0], pairs[..., 1]
        return torch.stack((even * cos - odd * sin, odd * cos + even * sin), dim=-1).flatten(-2)  # (B, H, T, D)
    if style != "half":
        raise ValueError("ropeStyle %r: use one of %s" % (style, ", ".join(ROPE_STYLES)))
    angles = torch.cat((angles, angles), dim=-1)
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    return x * cos + rotate_half(x) * sin


class Attention(nn.Module):
    """Self- (optionally causal, RoPE) or cross-attention. Masks: `key_lengths` (B) right
    padding; `key_mask` (B, Tk) bool, False = padding anywhere. `kv_heads` < `heads` is
    grouped-query attention: wk, wv are (kv_heads·Dh, ·) and query head j reads key/value
    head j // (heads / kv_heads), as Swift's MultiHeadAttention and llama.cpp do."""

    def __init__(self, d, heads, context_dim=None, rotary_base=None, bias=False, kv_heads=None, rope_style="half"):
        super().__init__()
        kv_heads = kv_heads or heads
        if heads % kv_heads:
            raise ValueError("heads %d is not a multiple of kvHeads %d" % (heads, kv_heads))
        if rope_style not in ROPE_STYLES:
            raise ValueError("ropeStyle %r: use one of %s" % (rope_style, ", ".join(ROPE_STYLES)))
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, d // heads
        self.rotary_base, self.rope_style = rotary_base, rope_style
        context_dim = context_dim or d
        kv_dim = kv_heads * self.head_dim
        self.wq = nn.Linear(d, d, bias=bias)
        self.wk = nn.Linear(context_dim, kv_dim, bias=bias)
        self.wv = nn.Linear(context_dim, kv_dim, bias=bias)
        self.wo = nn.Linear(d, d, bias=bias)

    def split(self, x, heads=None):
        b, t, _ = x.shape
        return x.view(b, t, heads or self.heads, self.head_dim).transpose(1, 2)  # (B, H, T, Dh)

    def forward(self, x, context=None, causal=False, key_lengths=None, key_mask=None):
        src = x if context is None else context
        q = self.split(self.wq(x))
        k, v = self.split(self.wk(src), self.kv_heads), self.split(self.wv(src), self.kv_heads)  # (B, Hk, Tk, Dh)
        if self.rotary_base is not None:
            q, k = rotary(q, self.rotary_base, self.rope_style), rotary(k, self.rotary_base, self.rope_style)
        if self.kv_heads != self.heads:
            group = self.heads // self.kv_heads
            k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)  # (B, H, Tk, Dh)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)  # (B, H, Tq, Tk)
        tq, tk = scores.shape[-2], scores.shape[-1]
        if causal:
            mask = torch.ones(tq, tk, dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(mask, float("-inf"))
        if key_lengths is not None:
            padded = torch.arange(tk, device=x.device)[None, :] >= key_lengths[:, None]  # (B, Tk)
            scores = scores.masked_fill(padded[:, None, None, :], float("-inf"))
        if key_mask is not None:
            scores = scores.masked_fill(~key_mask[:, None, None, :], float("-inf"))
        o = scores.softmax(-1) @ v  # (B, H, Tq, Dh)
        b, h, t, dh = o.shape
        return self.wo(o.transpose(1, 2).reshape(b, t, h * dh))

    def add_lora(self, rank, alpha, targets=("wq", "wv"), generator=None):
        # Swift's order: wq, wk, wv, wo — the generator draws A matrices in that order.
        for name in ("wq", "wk", "wv", "wo"):
            layer = getattr(self, name)
            if name in targets and not isinstance(layer, LoRALinear):
                setattr(self, name, LoRALinear(layer, rank, alpha, generator))


class GatedCrossAttention(nn.Module):
    """out = h + tanh(gate)·attn(norm(h), U); gate starts at 0 (the identity)."""

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

    def add_lora(self, rank, alpha, targets, generator=None):
        for name in ("w1", "w2", "w3"):
            layer = getattr(self, name)
            if name in targets and not isinstance(layer, LoRALinear):
                setattr(self, name, LoRALinear(layer, rank, alpha, generator))


class GELUMLP(nn.Module):
    """GPT-2's feed-forward, gelu in its tanh approximation."""

    def __init__(self, d, hidden, bias=False):
        super().__init__()
        self.fc = nn.Linear(d, hidden, bias=bias)
        self.proj = nn.Linear(hidden, d, bias=bias)

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x), approximate="tanh"))


class Block(nn.Module):
    """Pre-norm block. style "llama": RMSNorm, RoPE, SwiGLU (+ gated cross-attention);
    style "encoder": LayerNorm, learned positions outside, GELU MLP."""

    def __init__(self, style, d, heads, hidden, eps=1e-5, bias=False, rope_base=10000.0, cross_attention=False,
                 context_dim=None, kv_heads=None, rope_style="half"):
        super().__init__()
        llama = style == "llama"
        self.attn_norm = RMSNorm(d, eps) if llama else LayerNorm(d, eps, bias)
        self.attn = Attention(d, heads, rotary_base=rope_base if llama else None, bias=bias, kv_heads=kv_heads,
                              rope_style=rope_style)
        self.xattn = GatedCrossAttention(d, heads, context_dim or d, eps) if cross_attention else None
        self.mlp_norm = RMSNorm(d, eps) if llama else LayerNorm(d, eps, bias)
        self.mlp = SwiGLU(d, hidden) if llama else GELUMLP(d, hidden, bias)

    def forward(self, x, causal=True, key_lengths=None, key_mask=None, user=None, user_lengths=None):
        h = x + self.attn(self.attn_norm(x), causal=causal, key_lengths=key_lengths, key_mask=key_mask)
        # Without cross-attention in this layer (crossAttentionEvery > 1) `user` passes by.
        if self.xattn is not None:
            if user is None:
                raise ValueError("a block with cross-attention needs user embeddings")
            h = self.xattn(h, user, user_lengths)
        return h + self.mlp(self.mlp_norm(h))
