"""userllm_torch: a one-for-one PyTorch mirror of userllm's USER-LLM model (parameter names
are the Swift engine's safetensors names) and a torchrun / DistributedDataParallel trainer
that reads `userllm data export-tensors` and writes a run directory `userllm eval` and
`userllm-tui` open. The LLM is the from-scratch Llama-style model or a pretrained GGUF
llama (SmolLM2-135M) dequantised with the `gguf` package (backbone.py).

Written against Debian's python3-torch 1.13 (/usr/bin/python3).
"""
from .backbone import load_gguf_backbone  # noqa: F401
from .layers import (Attention, GatedCrossAttention, GELUMLP, LayerNorm, LoRALinear, RMSNorm,  # noqa: F401
                     SwiGLU, rotary)
from .model import (EncoderHeads, ItemEmbedding, LanguageModel, PerceiverLayer,  # noqa: F401
                    PerceiverResampler, UserEncoder, UserLLMModel, model_config)
