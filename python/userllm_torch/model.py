"""USER-LLM, module for module as the Swift engine builds it; configs are the Swift JSON
(camelCase keys, as config.json / the export's preset carry them), parameter names are the
Swift `parameters()` names, so `state_dict()` ↔ our safetensors files map 1:1.

  LanguageModel     Sources/UserLLM/Model/LanguageModel.swift      "tok_emb", "blocks.{i}", "norm"
  ItemEmbedding     Sources/UserLLM/Encoder/ItemEmbedding.swift    "item", "category", "rating", "proj"
  UserEncoder       Sources/UserLLM/Encoder/UserEncoder.swift      "item_emb", "pos_emb", "blocks.{i}", "norm"
  EncoderHeads      Sources/UserLLM/Encoder/EncoderHeads.swift     "item", "category", "rating"
  PerceiverResampler Sources/NN/Attention/PerceiverResampler.swift "latents", "layers.{i}", "norm"
  UserLLMModel      Sources/UserLLM/Fusion/UserLLMModel.swift      "llm", "encoder", "perceiver", "projection"

A pretrained LLM (Preset.backbone, a GGUF file) is backbone.py's; UserLLMModel.load_backbone.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .backbone import load_backbone_into
from .layers import Attention, Block, GELUMLP, LayerNorm, RMSNorm

PAD = 0  # Vocabulary.pad: feature id 0 is padding in every encoder vocabulary.

# EncoderConfig's defaults (Sources/UserLLM/Encoder/EncoderConfig.swift): a preset lists only
# what it changes.
ENCODER_DEFAULTS = dict(dModel=128, layers=2, heads=4, mlpHidden=512, maxEvents=50, itemDim=128, categoryDim=32,
                        ratingDim=16, dropout=0.1, bias=False, normEps=1e-5, initStd=0.02)
# LanguageModelConfig's defaults for keys a run's JSON may lack (Sources/UserLLM/Model/
# LanguageModelConfig.swift): older runs predate kvHeads (= heads), ropeStyle ("half", the
# models we train) and crossAttentionEvery (1: cross-attention in every layer).
LLM_DEFAULTS = dict(ropeBase=10000.0, normEps=1e-5, ropeStyle="half", crossAttention=False, crossAttentionEvery=1,
                    initStd=0.02)

MODES = ("tp", "soft", "xattn")
STRATEGIES = ("full", "lora", "enc", "proj")
LORA_DEFAULT_TARGETS = ("wq", "wv")  # Preset.LoRA.defaultTargets


def lora_settings(preset):
    """apply_strategy's LoRA arguments from a preset: rank, alpha, seed, targets (presets
    written before `lora.targets` existed mean q and v, as in Swift)."""
    lora = preset["lora"]
    return lora["rank"], lora["alpha"], int(preset["seed"]), tuple(lora.get("targets", LORA_DEFAULT_TARGETS))


def model_config(preset, mode, perceiver):
    """ModelChoice.modelConfig(preset) (Sources/UserLLM/Run/ModelChoice.swift)."""
    if mode not in MODES:
        raise ValueError("mode %r: use one of %s" % (mode, ", ".join(MODES)))
    encoder = dict(ENCODER_DEFAULTS, **preset.get("encoder", {}))
    encoder["maxEvents"] = max(encoder["maxEvents"], preset["windowLength"])
    llm = dict(LLM_DEFAULTS, **preset["llm"])
    llm["crossAttention"] = mode == "xattn"
    p = preset["perceiver"]
    return dict(mode=mode, perceiver=bool(perceiver) and mode != "tp", llm=llm, encoder=encoder,
                perceiverLatents=p["latents"], perceiverLayers=p["layers"], perceiverHeads=p["heads"])


def choice_name(mode, perceiver, strategy):
    """ModelChoice.name: the checkpoint's stage name, e.g. "xattn+perceiver-full"."""
    return "%s%s-%s" % (mode, "+perceiver" if perceiver and mode != "tp" else "", strategy)


def llm_config(cfg):
    """A LanguageModelConfig dict with the defaults filled in and its shape checked (the
    reasons RunConfigValidation gives)."""
    cfg = dict(LLM_DEFAULTS, **cfg)
    cfg.setdefault("kvHeads", cfg["heads"])
    for key in ("vocabSize", "dModel", "layers", "heads", "kvHeads", "mlpHidden", "crossAttentionEvery"):
        if int(cfg[key]) < 1:
            raise ValueError("llm.%s must be positive, is %s" % (key, cfg[key]))
    if cfg["dModel"] % cfg["heads"]:
        raise ValueError("llm.dModel %d is not a multiple of llm.heads %d" % (cfg["dModel"], cfg["heads"]))
    if cfg["heads"] % cfg["kvHeads"]:
        raise ValueError("llm.heads %d is not a multiple of llm.kvHeads %d" % (cfg["heads"], cfg["kvHeads"]))
    if cfg["crossAttentionEvery"] > cfg["layers"]:
        raise ValueError("llm.crossAttentionEvery %d: at most llm.layers (%d)" % (cfg["crossAttentionEvery"], cfg["layers"]))
    return cfg


def has_cross_attention(cfg, layer):
    """LanguageModelConfig.hasCrossAttention(layer:): layers 0, k, 2k, … (Flamingo's every k-th)."""
    return bool(cfg["crossAttention"]) and layer % int(cfg.get("crossAttentionEvery", 1)) == 0


class LanguageModel(nn.Module):
    """Llama-style decoder with a soft-prompt `prefix` and gated cross-attention to `user`
    (in the layers `has_cross_attention` picks). Grouped-query attention with kvHeads <
    heads; RoPE pairs as ropeStyle says ("interleaved" for GGUF weights)."""

    def __init__(self, cfg):
        super().__init__()
        cfg = llm_config(cfg)
        self.cfg = cfg
        d = cfg["dModel"]
        self.tok_emb = nn.Embedding(cfg["vocabSize"], d)
        self.blocks = nn.ModuleList(
            Block("llama", d, cfg["heads"], cfg["mlpHidden"], eps=cfg["normEps"], rope_base=cfg["ropeBase"],
                  cross_attention=has_cross_attention(cfg, i), context_dim=d, kv_heads=cfg["kvHeads"],
                  rope_style=cfg["ropeStyle"]) for i in range(cfg["layers"]))
        self.norm = RMSNorm(d, cfg["normEps"])

    def hidden_states(self, tokens, prefix=None, prefix_lengths=None, user=None, user_lengths=None):
        """tokens (B, T) → final-normed hidden states at the token positions (B, T, d)."""
        b, t = tokens.shape
        x = self.tok_emb(tokens)  # (B, T, d)
        p = 0
        key_mask = None
        if prefix is not None:
            p = prefix.shape[1]
            x = torch.cat([prefix, x], dim=1)  # (B, P + T, d)
            if prefix_lengths is not None:
                # Padded prefix rows are hidden from every query; positions still count them.
                j = torch.arange(p + t, device=tokens.device)[None, :]
                key_mask = (j >= p) | (j < prefix_lengths[:, None])  # (B, P + T)
        for block in self.blocks:
            x = block(x, causal=True, key_mask=key_mask, user=user, user_lengths=user_lengths)
        h = self.norm(x)
        return h[:, p:, :] if p else h

    def logits(self, hidden):
        return hidden @ self.tok_emb.weight.t()  # tied output head (…, V)

    def forward(self, tokens, prefix=None, prefix_lengths=None, user=None, user_lengths=None):
        return self.logits(self.hidden_states(tokens, prefix, prefix_lengths, user, user_lengths))

    def add_lora(self, rank, alpha, targets=LORA_DEFAULT_TARGETS, generator=None):
        """Adapters on the self-attention ("wq" … "wo") and MLP ("w1" … "w3") projections
        named in `targets` (a preset's `lora.targets`)."""
        for block in self.blocks:
            block.attn.add_lora(rank, alpha, targets, generator)
            if any(name in targets for name in ("w1", "w2", "w3")):
                block.mlp.add_lora(rank, alpha, targets, generator)


class ItemEmbedding(nn.Module):
    """concat(item_emb(item), mean over non-PAD categories of cat_emb, rating_emb(rating)) → proj."""

    def __init__(self, cfg, item_count, category_count, rating_count):
        super().__init__()
        self.item = nn.Embedding(item_count, cfg["itemDim"])
        self.category = nn.Embedding(category_count, cfg["categoryDim"])
        self.rating = nn.Embedding(rating_count, cfg["ratingDim"])
        self.proj = nn.Linear(cfg["itemDim"] + cfg["categoryDim"] + cfg["ratingDim"], cfg["dModel"], bias=cfg["bias"])

    def forward(self, item, category, rating):
        """item, rating (B, M); category (B, M, C), PAD-filled → (B, M, d_enc)."""
        real = (category != PAD).to(self.category.weight.dtype)  # (B, M, C)
        count = real.sum(-1, keepdim=True)  # (B, M, 1)
        weight = torch.where(count > 0, 1 / count.clamp(min=1), torch.zeros_like(count))
        cat = (self.category(category) * (real * weight)[..., None]).sum(-2)  # (B, M, dc)
        return self.proj(torch.cat([self.item(item), cat, self.rating(rating)], dim=-1))


class UserEncoder(nn.Module):
    """Causal pre-norm transformer over a window of events → U (B, M, d_enc)."""

    def __init__(self, cfg, item_count, category_count, rating_count):
        super().__init__()
        cfg = dict(ENCODER_DEFAULTS, **cfg)
        self.cfg = cfg
        d = cfg["dModel"]
        self.item_emb = ItemEmbedding(cfg, item_count, category_count, rating_count)
        self.pos_emb = nn.Embedding(cfg["maxEvents"], d)
        self.blocks = nn.ModuleList(
            Block("encoder", d, cfg["heads"], cfg["mlpHidden"], eps=cfg["normEps"], bias=cfg["bias"])
            for _ in range(cfg["layers"]))
        self.norm = LayerNorm(d, cfg["normEps"], cfg["bias"])

    def forward(self, events, dropout_seeds=None):
        """events: dict of item (B, M), category (B, M, C), rating (B, M), lengths (B).
        In training mode, input dropout; `dropout_seeds` (one int per row) draws each row's
        mask from its own generator, so a row's mask does not depend on which process or
        micro-batch it lands in (DDP equals one process)."""
        item, lengths = events["item"], events["lengths"]
        m = item.shape[1]
        if m > self.cfg["maxEvents"]:
            raise ValueError("the encoder reads at most %d events (maxEvents), the batch has %d" % (self.cfg["maxEvents"], m))
        x = self.item_emb(item, events["category"], events["rating"]) + self.pos_emb.weight[:m]  # (B, M, d)
        p = self.cfg["dropout"]
        if self.training and p > 0:
            if dropout_seeds is None:
                x = F.dropout(x, p, True)
            else:
                keep = torch.stack([torch.rand(x.shape[1:], generator=torch.Generator().manual_seed(int(s))) >= p
                                    for s in dropout_seeds]).to(x.device)
                x = x * keep.to(x.dtype) / (1 - p)
        for block in self.blocks:
            x = block(x, causal=True, key_lengths=lengths)
        return self.norm(x)


class EncoderHeads(nn.Module):
    """Next-event heads of encoder pretraining: one Linear (with bias) per feature."""

    def __init__(self, cfg, item_count, category_count, rating_count):
        super().__init__()
        d = dict(ENCODER_DEFAULTS, **cfg)["dModel"]
        self.item = nn.Linear(d, item_count)
        self.category = nn.Linear(d, category_count)
        self.rating = nn.Linear(d, rating_count)

    def forward(self, h):
        return self.item(h), self.category(h), self.rating(h)


def next_event_loss(logits, targets):
    """EncoderLoss.nextEvent: item and rating CE (PAD ignored), category CE against soft
    targets uniform over the next event's categories (rows without any ignored), mean over
    the features present. logits: (item, category, rating) each (B, M, V); targets: a dict
    like the encoder's events (item, category, rating)."""
    li, lc, lr = logits
    item = F.cross_entropy(li.reshape(-1, li.shape[-1]), targets["item"].reshape(-1), ignore_index=PAD)
    cats = targets["category"].reshape(-1, targets["category"].shape[-1])  # (N, C)
    soft = torch.zeros(cats.shape[0], lc.shape[-1], dtype=lc.dtype)
    real = (cats != PAD).to(lc.dtype)
    soft.scatter_add_(1, cats, real)
    soft[:, PAD] = 0
    counts = soft.sum(-1, keepdim=True)
    rows = counts[:, 0] > 0
    soft = soft / counts.clamp(min=1)
    logp = F.log_softmax(lc.reshape(-1, lc.shape[-1]), -1)
    category = -(soft * logp).sum(-1)[rows].sum() / rows.sum().clamp(min=1)
    rating = F.cross_entropy(lr.reshape(-1, lr.shape[-1]), targets["rating"].reshape(-1), ignore_index=PAD)
    present = [item]
    if bool(rows.any()):
        present.append(category)
    if bool((targets["rating"] != PAD).any()):
        present.append(rating)
    return sum(present) / len(present), dict(item=item, category=category, rating=rating)


class PerceiverLayer(nn.Module):
    """kv = [norm_latents(x); norm_inputs(U)]; x += attn(norm_latents(x), kv); x += mlp(mlp_norm(x))."""

    def __init__(self, dim, heads, ff_hidden):
        super().__init__()
        self.norm_inputs = LayerNorm(dim)
        self.norm_latents = LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.mlp_norm = LayerNorm(dim)
        self.mlp = GELUMLP(dim, ff_hidden)

    def forward(self, latents, inputs, input_lengths=None):
        l = self.norm_latents(latents)
        kv = torch.cat([l, self.norm_inputs(inputs)], dim=1)  # (B, L + M, d)
        key_lengths = None if input_lengths is None else input_lengths + latents.shape[1]
        x = latents + self.attn(l, context=kv, key_lengths=key_lengths)
        return x + self.mlp(self.mlp_norm(x))


class PerceiverResampler(nn.Module):
    def __init__(self, dim, latents, layers, heads, ff_hidden=None):
        super().__init__()
        self.latents = nn.Parameter(torch.zeros(latents, dim))
        self.layers = nn.ModuleList(PerceiverLayer(dim, heads, ff_hidden or 4 * dim) for _ in range(layers))
        self.norm = LayerNorm(dim)

    def forward(self, inputs, input_lengths=None):
        x = self.latents.expand(inputs.shape[0], -1, -1)  # (B, L, d)
        for layer in self.layers:
            x = layer(x, inputs, input_lengths)
        return self.norm(x)


class UserLLMModel(nn.Module):
    """encoder → (Perceiver) → projection → LanguageModel (soft prefix or cross-attention)."""

    def __init__(self, cfg, item_count=None, category_count=None, rating_count=None):
        super().__init__()
        self.cfg = cfg
        self.mode = cfg["mode"]
        self.llm = LanguageModel(cfg["llm"])
        self.encoder = self.perceiver = self.projection = None
        if self.mode != "tp":
            if item_count is None:
                raise ValueError("mode %s needs the feature vocabulary sizes" % self.mode)
            enc = dict(ENCODER_DEFAULTS, **cfg["encoder"])
            self.encoder = UserEncoder(enc, item_count, category_count, rating_count)
            if cfg["perceiver"]:
                self.perceiver = PerceiverResampler(enc["dModel"], cfg["perceiverLatents"], cfg["perceiverLayers"],
                                                    cfg["perceiverHeads"])
            self.projection = nn.Linear(enc["dModel"], cfg["llm"]["dModel"], bias=True)

    def load_backbone(self, path):
        """The LLM's weights from a llama GGUF file (Preset.backbone): every self-attention
        and MLP weight, dequantised; cross-attention layers keep their init (gates 0: the
        model starts as the file's). The preset's llm must be the file's shape."""
        return load_backbone_into(self.llm, path)

    def user_context(self, events, dropout_seeds=None):
        """(E (B, L, d_model), lengths (B) or None) — None for tp."""
        if self.encoder is None:
            return None
        u = self.encoder(events, dropout_seeds)  # (B, M, d_enc)
        lengths = events["lengths"]
        if self.perceiver is not None:
            u = self.perceiver(u, lengths)  # (B, L, d_enc)
            lengths = None
        return self.projection(u), lengths

    def hidden_states(self, tokens, events=None, dropout_seeds=None):
        ctx = self.user_context(events, dropout_seeds) if self.mode != "tp" else None
        if self.mode == "soft":
            return self.llm.hidden_states(tokens, prefix=ctx[0], prefix_lengths=ctx[1])
        if self.mode == "xattn":
            return self.llm.hidden_states(tokens, user=ctx[0], user_lengths=ctx[1])
        return self.llm.hidden_states(tokens)

    def forward(self, tokens, events=None):
        """Logits (B, T, V) at every token position."""
        return self.llm.logits(self.hidden_states(tokens, events))

    def loss_terms(self, tokens, targets, events=None, dropout_seeds=None):
        """Summed cross-entropy over targets ≠ -100 and their count (the mean is sum/count;
        a distributed step divides by the global count instead)."""
        h = self.hidden_states(tokens, events, dropout_seeds)
        picked = targets.reshape(-1) != -100
        logits = self.llm.logits(h.reshape(-1, h.shape[-1])[picked])  # (N, V): only the answer positions
        return F.cross_entropy(logits, targets.reshape(-1)[picked], reduction="sum"), int(picked.sum())

    def apply_strategy(self, strategy, lora_rank, lora_alpha, seed=0, lora_targets=LORA_DEFAULT_TARGETS):
        """UserLLMModel.apply: freeze and add adapters. The cross-attention layers (fusion)
        always train. LoRA's A matrices are drawn from torch's generator (Swift's differs; a
        run carries them in its checkpoint)."""
        if strategy not in STRATEGIES:
            raise ValueError("strategy %r: use one of %s" % (strategy, ", ".join(STRATEGIES)))
        for p in self.parameters():
            p.requires_grad_(True)
        if strategy != "full":
            for name, p in self.llm.named_parameters():
                if ".xattn." not in name:
                    p.requires_grad_(False)
        if strategy == "lora":
            self.llm.add_lora(lora_rank, lora_alpha, lora_targets, generator=torch.Generator().manual_seed(seed + 7))
        if strategy == "proj" and self.encoder is not None:
            for p in self.encoder.parameters():
                p.requires_grad_(False)


def is_gate(name):
    """UserLLMModel.isGateParameter."""
    return name.endswith(".xattn.gate")


def init_weights(model, generator, std=0.02, layers=None):
    """nanoGPT-style init as the Swift modules do: matrices Normal(0, std²), projections into
    the residual stream (attn.wo, mlp.w2, mlp.proj) Normal(0, (std/√(2·layers))²), biases 0,
    norms 1, gates 0, LoRA adapters left as made."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name:
                continue
            if p.dim() == 2:
                s = std
                if layers and (name.endswith("attn.wo.weight") or name.endswith("mlp.w2.weight")
                               or name.endswith("mlp.proj.weight")):
                    s = std / (2 * layers) ** 0.5
                p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float32).to(p.dtype) * s)
            elif name.endswith(".bias"):
                p.zero_()
