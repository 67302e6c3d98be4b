"""A pretrained Llama read from its GGUF file into the mirror's LanguageModel, dequantised to
f32 by the PyPI `gguf` package (llama.cpp's own reader and dequantiser), as Swift's
PretrainedLLM / Backbone (Sources/UserLLM/Pretrained/) load it. Tensor names map as Swift's
`PretrainedLLM.tensorNames`:

  token_embd.weight            → tok_emb.weight             (V, d)
  blk.N.attn_norm.weight       → blocks.N.attn_norm.weight  (d)
  blk.N.attn_{q,k,v,output}    → blocks.N.attn.{wq,wk,wv,wo} (d | kvDim, d)
  blk.N.ffn_norm.weight        → blocks.N.mlp_norm.weight   (d)
  blk.N.ffn_{gate,up,down}     → blocks.N.mlp.{w1,w3,w2}    SwiGLU: w2(silu(w1·h) ⊙ w3·h)
  output_norm.weight           → norm.weight                (d)

RoPE is "interleaved": llama.cpp's converter permutes each head's q and k rows out of HF's
rotate-half layout into (2i, 2i+1) pairs. The LM head is tied to token_embd, as ours is: a
file with its own output.weight is refused (its head would be silently replaced).

A run names its backbone in the preset (`"backbone": "smollm2-135m"`); the file lives in the
model cache, `$USERLLM_HOME/models/<name>/<file>` (else `$XDG_CACHE_HOME/userllm`, else
`~/.cache/userllm`), as ModelLocation says.
"""
import os

import numpy as np
import torch

# PretrainedModel.known: name → the GGUF file's name in its cache folder.
KNOWN_FILES = {"smollm2-135m": "SmolLM2-135M-Instruct.Q4_1.gguf"}

# Keys of the preset's llm that must be the file's (Backbone.check); the fusion keys
# (crossAttention, crossAttentionEvery, initStd) and a shorter context are the preset's choice.
SHAPE_KEYS = ("vocabSize", "dModel", "layers", "heads", "kvHeads", "mlpHidden", "ropeBase", "normEps", "ropeStyle")


class BackboneError(ValueError):
    """A GGUF file or preset that cannot give the LLM, with the file, the key or tensor and why."""

    def __init__(self, path, item, reason):
        super().__init__("%s%s: %s" % (path, " (%s)" % item if item else "", reason))


def cache_home():
    """DatasetLocation.home: $USERLLM_HOME, else $XDG_CACHE_HOME/userllm, else ~/.cache/userllm."""
    if os.environ.get("USERLLM_HOME"):
        return os.environ["USERLLM_HOME"]
    if os.environ.get("XDG_CACHE_HOME"):
        return os.path.join(os.environ["XDG_CACHE_HOME"], "userllm")
    return os.path.join(os.path.expanduser("~"), ".cache", "userllm")


def backbone_path(name):
    """ModelLocation.file(for:): a known model's file, else `<name>.gguf`, in its cache folder."""
    key = name.lower()
    return os.path.join(cache_home(), "models", key, KNOWN_FILES.get(key, key + ".gguf"))


def tensor_names(layers):
    """(our name, GGUF name) of every LLM weight, as PretrainedLLM.tensorNames."""
    names = [("tok_emb.weight", "token_embd.weight")]
    for i in range(layers):
        o, g = "blocks.%d." % i, "blk.%d." % i
        names += [(o + "attn_norm.weight", g + "attn_norm.weight"),
                  (o + "attn.wq.weight", g + "attn_q.weight"), (o + "attn.wk.weight", g + "attn_k.weight"),
                  (o + "attn.wv.weight", g + "attn_v.weight"), (o + "attn.wo.weight", g + "attn_output.weight"),
                  (o + "mlp_norm.weight", g + "ffn_norm.weight"),
                  (o + "mlp.w1.weight", g + "ffn_gate.weight"), (o + "mlp.w3.weight", g + "ffn_up.weight"),
                  (o + "mlp.w2.weight", g + "ffn_down.weight")]
    return names + [("norm.weight", "output_norm.weight")]


def _open(path):
    from gguf import GGUFReader
    if not os.path.exists(path):
        raise BackboneError(path, None, "no such file")
    try:
        return GGUFReader(path)
    except Exception as e:  # the reader raises ValueError, struct.error, …: name the file
        raise BackboneError(path, None, "not a readable GGUF file: %s" % e)


def _field(reader, path, key, default=None):
    if key not in reader.fields:
        if default is not None:
            return default
        raise BackboneError(path, key, "missing from the metadata")
    return reader.fields[key].contents()


def gguf_config(reader, path):
    """The LanguageModelConfig dict of the file's model, from the `llama.*` metadata, with
    the checks PretrainedLLM.config(of:) makes."""
    arch = _field(reader, path, "general.architecture")
    if arch != "llama":
        raise BackboneError(path, "general.architecture", "architecture %r is not supported (only llama)" % arch)

    def positive(key, default=None):
        n = int(_field(reader, path, key, default))
        if n <= 0:
            raise BackboneError(path, key, "must be positive, is %d" % n)
        return n

    d, heads = positive("llama.embedding_length"), positive("llama.attention.head_count")
    kv_heads = positive("llama.attention.head_count_kv", heads)
    if d % heads:
        raise BackboneError(path, "llama.attention.head_count", "%d heads do not divide d_model %d" % (heads, d))
    if heads % kv_heads:
        raise BackboneError(path, "llama.attention.head_count_kv", "%d KV heads do not divide %d heads" % (kv_heads, heads))
    if "llama.rope.dimension_count" in reader.fields and positive("llama.rope.dimension_count") != d // heads:
        raise BackboneError(path, "llama.rope.dimension_count", "RoPE over part of a head is not supported")
    scaling = reader.fields.get("llama.rope.scaling.type")
    if scaling is not None and scaling.contents() != "none":
        raise BackboneError(path, "llama.rope.scaling.type", "RoPE scaling %r is not supported" % scaling.contents())
    base = float(_field(reader, path, "llama.rope.freq_base", 10000.0))
    eps = float(_field(reader, path, "llama.attention.layer_norm_rms_epsilon"))
    if not (np.isfinite(base) and np.isfinite(eps) and base > 0 and eps > 0):
        raise BackboneError(path, "llama.rope.freq_base", "RoPE base %g and RMS eps %g must be positive" % (base, eps))
    tensors = {t.name: t for t in reader.tensors}
    if "token_embd.weight" not in tensors:
        raise BackboneError(path, "token_embd.weight", "tensor missing")
    emb = [int(n) for n in tensors["token_embd.weight"].shape]  # GGUF order: (ne0 = d, ne1 = vocab)
    if len(emb) != 2 or emb[0] != d:
        raise BackboneError(path, "token_embd.weight", "shape %s is not (vocab, %d)" % (emb[::-1], d))
    vocab = emb[1]
    if "llama.vocab_size" in reader.fields and int(reader.fields["llama.vocab_size"].contents()) != vocab:
        raise BackboneError(path, "llama.vocab_size", "≠ token_embd's %d rows" % vocab)
    if "output.weight" in tensors:
        raise BackboneError(path, "output.weight", "an untied output head is not supported (the head is tied to token_embd)")
    return dict(vocabSize=vocab, dModel=d, layers=positive("llama.block_count"), heads=heads, kvHeads=kv_heads,
                mlpHidden=positive("llama.feed_forward_length"), contextLength=positive("llama.context_length"),
                ropeBase=base, normEps=eps, ropeStyle="interleaved", crossAttention=False, crossAttentionEvery=1,
                initStd=0.0)


def load_gguf_backbone(path):
    """(LanguageModelConfig dict, state dict of f32 tensors named as our LanguageModel's
    parameters) of a llama GGUF file. Every tensor is dequantised and checked: its shape,
    finite values, and no tensor the model has no place for."""
    from gguf.quants import dequantize
    reader = _open(path)
    cfg = gguf_config(reader, path)
    d, dh = cfg["dModel"], cfg["dModel"] // cfg["heads"]
    kv = cfg["kvHeads"] * dh
    expected = {"tok_emb.weight": (cfg["vocabSize"], d), "norm.weight": (d,)}
    for i in range(cfg["layers"]):
        o = "blocks.%d." % i
        expected.update({o + "attn_norm.weight": (d,), o + "mlp_norm.weight": (d,), o + "attn.wq.weight": (d, d),
                         o + "attn.wk.weight": (kv, d), o + "attn.wv.weight": (kv, d), o + "attn.wo.weight": (d, d),
                         o + "mlp.w1.weight": (cfg["mlpHidden"], d), o + "mlp.w3.weight": (cfg["mlpHidden"], d),
                         o + "mlp.w2.weight": (d, cfg["mlpHidden"])})
    tensors = {t.name: t for t in reader.tensors}
    names = tensor_names(cfg["layers"])
    mapped = {g for _, g in names}
    extra = sorted(set(tensors) - mapped)
    if extra:
        raise BackboneError(path, extra[0], "a tensor the llama model has no place for")
    state = {}
    for ours, name in names:
        if name not in tensors:
            raise BackboneError(path, name, "tensor missing")
        t = tensors[name]
        shape = tuple(int(n) for n in reversed(t.shape.tolist()))  # GGUF lists ne0 (columns) first
        if shape != expected[ours]:
            raise BackboneError(path, name, "shape %s where the model needs %s (%s)" % (shape, expected[ours], ours))
        try:
            w = dequantize(t.data, t.tensor_type)
        except NotImplementedError:
            raise BackboneError(path, name, "tensor type %s is not supported" % t.tensor_type.name)
        w = torch.from_numpy(np.array(w, dtype=np.float32).reshape(shape))  # a copy: F32 tensors are read-only views of the file
        bad = (~torch.isfinite(w)).flatten().nonzero()
        if len(bad):
            i = int(bad[0])
            raise BackboneError(path, name, "element %d is %s (weights must be finite)" % (i, float(w.flatten()[i])))
        state[ours] = w
    return cfg, state


def check_backbone(llm, model, path):
    """Backbone.check: the preset's llm must describe the file's model."""
    for key in SHAPE_KEYS:
        ours = llm.get(key, llm["heads"] if key == "kvHeads" else ("half" if key == "ropeStyle" else None))
        theirs = model[key]
        same = abs(float(ours) - float(theirs)) <= 1e-6 * abs(float(theirs)) if key in ("ropeBase", "normEps") else ours == theirs
        if not same:
            raise BackboneError("preset", "llm.%s" % key, "is %r, but the backbone file %s has %r" % (ours, path, theirs))
    if int(llm["contextLength"]) > model["contextLength"]:
        raise BackboneError("preset", "llm.contextLength", "%d: at most %d, the backbone's context" % (
            llm["contextLength"], model["contextLength"]))


def load_backbone_into(lm, path):
    """Copies the file's weights into `lm` (a LanguageModel whose config is the file's
    shape); the cross-attention layers the file has no weights for keep their init (gates 0:
    the model starts as the file's). Returns the file's config."""
    cfg, state = load_gguf_backbone(path)
    check_backbone(lm.cfg, cfg, path)
    params = dict(lm.named_parameters())
    with torch.no_grad():
        for name, w in state.items():
            params[name].copy_(w.to(params[name].dtype))
    return cfg
