"""The pretrained GGUF backbone in the mirror (userllm_torch.backbone):

- small GGUF files written here: names map as Swift's PretrainedLLM.tensorNames, and bad
  files are refused naming the file and the key or tensor;
- SmolLM2-135M-Instruct (the cached Q4_1 file): the mirror's logits equal the independent
  reference's fixture (Tools/reference/llama_gguf_reference.py) and agree with llama.cpp's
  own greedy continuation; rotate-half RoPE on these weights is wrong; the cross-attention
  model on the backbone with its gates at 0 is exactly the file's model, with cross-attention
  only in layers 0, 3, …, 27 at crossAttentionEvery 3; and train.py trains on it.

The SmolLM2 tests skip when the file is not in the model cache, and fail under CI=true.
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import torch
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import synthetic_export  # noqa: E402
from userllm_torch import logits as logits_tool, train  # noqa: E402
from userllm_torch.backbone import (BackboneError, backbone_path, check_backbone, load_backbone_into,  # noqa: E402
                                    load_gguf_backbone, tensor_names)
from userllm_torch.data import BatchOrder, Export  # noqa: E402
from userllm_torch.model import LanguageModel, UserLLMModel, init_weights, model_config  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "smollm2")
SMOL_LLM = dict(vocabSize=49152, dModel=576, layers=30, heads=9, kvHeads=3, mlpHidden=1536, contextLength=2048,
                ropeBase=100000.0, normEps=1e-5, ropeStyle="interleaved", crossAttention=False, crossAttentionEvery=3,
                initStd=0.02)


def smollm2_file():
    path = backbone_path("smollm2-135m")
    if not os.path.exists(path):
        if os.environ.get("CI") == "true":
            raise AssertionError("%s is missing and CI=true: run `userllm model fetch smollm2-135m`" % path)
        raise unittest.SkipTest("%s is not in the model cache (userllm model fetch smollm2-135m)" % path)
    return path


def write_gguf(path, arch="llama", layers=2, d=8, heads=2, kv_heads=1, hidden=16, vocab=32, seed=0, drop=(),
               extra=None, poison=None):
    """A small llama GGUF of F32 tensors; returns {GGUF name: array}. `drop` leaves tensors
    out, `extra` adds them, `poison` = (name, index) puts a NaN there."""
    import gguf
    rng = np.random.default_rng(seed)
    kv = kv_heads * d // heads
    shapes = {"token_embd.weight": (vocab, d), "output_norm.weight": (d,)}
    for i in range(layers):
        g = "blk.%d." % i
        shapes.update({g + "attn_norm.weight": (d,), g + "ffn_norm.weight": (d,), g + "attn_q.weight": (d, d),
                       g + "attn_k.weight": (kv, d), g + "attn_v.weight": (kv, d), g + "attn_output.weight": (d, d),
                       g + "ffn_gate.weight": (hidden, d), g + "ffn_up.weight": (hidden, d),
                       g + "ffn_down.weight": (d, hidden)})
    shapes.update(extra or {})
    arrays = {n: rng.standard_normal(s).astype(np.float32) * 0.3 for n, s in shapes.items() if n not in drop}
    if poison:
        arrays[poison[0]].reshape(-1)[poison[1]] = np.nan
    w = gguf.GGUFWriter(path, arch)
    w.add_block_count(layers)
    w.add_context_length(64)
    w.add_embedding_length(d)
    w.add_feed_forward_length(hidden)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    for n, a in arrays.items():
        w.add_tensor(n, a)  # numpy (out, in) = GGUF ne (in, out)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return arrays


class SmallGGUFTests(unittest.TestCase):
    """No model file needed: GGUF files written here."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="userllm-gguf-")
        self.path = os.path.join(self.tmp, "m.gguf")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_names_and_shapes_map_as_swift(self):
        arrays = write_gguf(self.path)
        cfg, state = load_gguf_backbone(self.path)
        self.assertEqual((cfg["layers"], cfg["dModel"], cfg["heads"], cfg["kvHeads"], cfg["mlpHidden"], cfg["vocabSize"]),
                         (2, 8, 2, 1, 16, 32))
        self.assertEqual(cfg["ropeStyle"], "interleaved")
        for ours, theirs in tensor_names(2):
            self.assertTrue(np.array_equal(state[ours].numpy(), arrays[theirs]), ours)
        lm = LanguageModel(cfg)
        lm.load_state_dict(state, strict=True)  # every parameter, no more
        self.assertEqual(tuple(lm(torch.tensor([[1, 2, 3]])).shape), (1, 3, 32))

    def expect_error(self, needle, **kw):
        write_gguf(self.path, **kw)
        with self.assertRaises(BackboneError) as e:
            load_gguf_backbone(self.path)
        self.assertIn(self.path, str(e.exception))
        self.assertIn(needle, str(e.exception))

    def test_bad_files_are_refused_by_name(self):
        self.expect_error("general.architecture", arch="gpt2")
        self.expect_error("output.weight", extra={"output.weight": (32, 8)})
        self.expect_error("blk.1.ffn_up.weight", drop=("blk.1.ffn_up.weight",))
        self.expect_error("blk.0.attn_extra.weight", extra={"blk.0.attn_extra.weight": (8, 8)})
        self.expect_error("blk.0.attn_k.weight", extra={"blk.0.attn_k.weight": (8, 8)})  # (d, d) where GQA needs (4, d)
        self.expect_error("element 5 is nan", poison=("blk.1.ffn_down.weight", 5))
        with open(self.path, "wb") as f:
            f.write(b"not a gguf file at all")
        with self.assertRaises(BackboneError) as e:
            load_gguf_backbone(self.path)
        self.assertIn(self.path, str(e.exception))
        with self.assertRaises(BackboneError):
            load_gguf_backbone(os.path.join(self.tmp, "absent.gguf"))

    def test_preset_must_describe_the_file(self):
        write_gguf(self.path)
        cfg, _ = load_gguf_backbone(self.path)
        preset_llm = dict(cfg, crossAttention=True, crossAttentionEvery=2, contextLength=32)
        check_backbone(preset_llm, cfg, self.path)  # fusion keys and a shorter context are the preset's
        for key, value in (("kvHeads", 2), ("ropeStyle", "half"), ("mlpHidden", 24), ("contextLength", 128)):
            with self.assertRaises(BackboneError) as e:
                check_backbone(dict(preset_llm, **{key: value}), cfg, self.path)
            self.assertIn("llm." + key, str(e.exception))


class SmolLM2Tests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.path = smollm2_file()
        cls.cfg, cls.state = load_gguf_backbone(cls.path)
        cls.lm = LanguageModel(cls.cfg)
        cls.lm.load_state_dict(cls.state, strict=True)
        cls.lm.eval()
        with open(os.path.join(FIXTURES, "logits_golden.json")) as f:
            cls.golden = json.load(f)

    def test_config_is_smollm2(self):
        c = self.cfg
        self.assertEqual((c["vocabSize"], c["dModel"], c["layers"], c["heads"], c["kvHeads"], c["mlpHidden"]),
                         (49152, 576, 30, 9, 3, 1536))
        self.assertEqual((c["ropeBase"], c["ropeStyle"]), (100000.0, "interleaved"))
        self.assertAlmostEqual(c["normEps"], 1e-5, delta=1e-10)
        check_backbone(SMOL_LLM, self.cfg, self.path)  # the smol preset's llm is the file's shape

    def logits(self, lm, ids):
        with torch.no_grad():
            return lm(torch.tensor([ids]))[0]  # (T, V)

    def test_logits_equal_the_reference(self):
        """The fixture: an f32 PyTorch Llama written independently of this package (its own
        RMSNorm, GQA, interleaved RoPE, SwiGLU), llama.cpp's token ids for a 76-token chat
        prompt, 64 vocabulary ids and the logsumexp at every position."""
        g = self.golden
        self.assertGreater(len(g["ids"]), 30)
        logits = self.logits(self.lm, g["ids"])
        ours = logits[:, g["vocab_ids"]]
        ref = torch.tensor(g["logits"])
        rel = float((ours - ref).abs().max() / ref.abs().max())
        self.assertLess(rel, 1e-4, "max relative difference %.2e" % rel)
        lse = torch.logsumexp(logits.double(), -1)
        self.assertLess(float((lse - torch.tensor(g["logsumexp"], dtype=torch.float64)).abs().max()), 1e-3)
        self.assertEqual(logits.argmax(-1).tolist(), g["argmax"])

    def test_agrees_with_llama_cpp(self):
        """llama.cpp itself (xllamacpp): its 32 greedy tokens after the prompt. Teacher-forced,
        our argmax is each of its tokens, and our log-probabilities are close (llama.cpp
        quantises activations to Q8 for its Q4_1 products: loose, not exact)."""
        with open(os.path.join(FIXTURES, "llamacpp_greedy.json")) as f:
            cpp = json.load(f)
        ids = cpp["prompt_ids"] + cpp["tokens"]
        logp = torch.log_softmax(self.logits(self.lm, ids).double(), -1)
        n = len(cpp["prompt_ids"])
        ours = [int(logp[p].argmax()) for p in range(n - 1, len(ids) - 1)]
        self.assertEqual(ours, cpp["tokens"])
        gap = max(abs(float(logp[n - 1 + k, t]) - lp) for k, (t, lp) in enumerate(zip(cpp["tokens"], cpp["logprobs"])))
        self.assertLess(gap, 0.25, "log-probabilities differ from llama.cpp's by up to %.3f" % gap)

    def test_rotate_half_is_wrong_on_gguf_weights(self):
        half = LanguageModel(dict(self.cfg, ropeStyle="half"))
        half.load_state_dict(self.state, strict=True)
        half.eval()
        g = self.golden
        logits = self.logits(half, g["ids"])
        ref = torch.tensor(g["logits"])
        rel = float((logits[:, g["vocab_ids"]] - ref).abs().max() / ref.abs().max())
        self.assertGreater(rel, 0.1)
        agree = sum(a == b for a, b in zip(logits.argmax(-1).tolist(), g["argmax"]))
        self.assertLess(agree, len(g["ids"]) // 2, "rotate-half agrees on the argmax at %d positions" % agree)

    def smol_model(self):
        preset = dict(synthetic_export.PRESET, llm=SMOL_LLM, backbone="smollm2-135m")
        model = UserLLMModel(model_config(preset, "xattn", True), *synthetic_export.VOCAB.values())
        init_weights(model, torch.Generator().manual_seed(0), layers=30)
        model.llm.load_state_dict(self.state, strict=False)
        return model.eval()

    def test_cross_attention_every_third_layer(self):
        model = self.smol_model()
        names = [n for n, _ in model.llm.named_parameters() if ".xattn." in n]
        layers = sorted({int(n.split(".")[1]) for n in names})
        self.assertEqual(layers, list(range(0, 30, 3)))  # 0, 3, …, 27
        for i in layers:
            self.assertEqual({n for n in names if n.startswith("blocks.%d." % i)},
                             {"blocks.%d.xattn.%s" % (i, k) for k in
                              ("norm.weight", "attn.wq.weight", "attn.wk.weight", "attn.wv.weight", "attn.wo.weight", "gate")})
        # Every other parameter is one of the file's, by its Swift name.
        self.assertEqual({n for n, _ in model.llm.named_parameters() if ".xattn." not in n}, set(self.state))

    def test_zero_gates_give_exactly_the_files_model(self):
        model = self.smol_model()
        ids = self.golden["ids"][:40]
        g = torch.Generator().manual_seed(3)
        m = 5
        events = dict(item=torch.randint(2, 30, (1, m), generator=g), category=torch.randint(0, 6, (1, m, 2), generator=g),
                      rating=torch.randint(2, 7, (1, m), generator=g), lengths=torch.tensor([m]))
        plain = self.logits(self.lm, ids)
        with torch.no_grad():
            fused = model(torch.tensor([ids]), events)[0]
            self.assertTrue(torch.equal(fused, plain), "max difference %g" % float((fused - plain).abs().max()))
            # The user context does reach the logits once a gate opens.
            model.llm.blocks[3].xattn.gate.fill_(0.5)
            opened = model(torch.tensor([ids]), events)[0]
        self.assertGreater(float((opened - plain).abs().max()), 1e-3)

    def test_train_on_the_backbone(self):
        """train.py on a backbone run: step 0's loss is the file's model's, only what the
        strategy trains moves, and the checkpoint holds only that (the LLM stays in the file)."""
        tmp = tempfile.mkdtemp(prefix="userllm-smol-")
        try:
            preset = dict(synthetic_export.PRESET, llm=SMOL_LLM, backbone="smollm2-135m", seed=0)
            export = os.path.join(tmp, "export")
            synthetic_export.write(export, users=4, preset=preset)
            self.assertFalse(os.path.exists(os.path.join(export, "checkpoints", "lm.safetensors")))
            run = os.path.join(tmp, "run")
            train.main(["--export", export, "--run", run, "--mode", "xattn", "--perceiver", "--strategy", "proj",
                        "--steps", "2", "--batch-size", "2", "--eval-every", "2", "--gguf", self.path, "--threads", "1"])
            with open(os.path.join(run, "metrics.json")) as f:
                first = json.load(f)["stages"]["xattn+perceiver-proj"]["training"]["trainLosses"][0]["loss"]
            e = Export(export)
            tokens, targets, _ = e.batch("train", BatchOrder(e.count("train"), 2, 17).indices(0))
            with torch.no_grad():
                logits = self.lm(tokens)
            picked = targets != -100
            expected = float(torch.nn.functional.cross_entropy(logits[picked], targets[picked]))
            self.assertAlmostEqual(first, expected, delta=1e-5 * expected)
            saved = load_file(os.path.join(run, "checkpoints", "xattn+perceiver-proj.safetensors"))
            self.assertFalse([k for k in saved if k.startswith("encoder.")])  # proj: the encoder is frozen
            llm = [k for k in saved if k.startswith("llm.")]
            self.assertTrue(llm and all(".xattn." in k for k in llm), llm[:5])
            self.assertTrue(any(k.startswith("perceiver.") for k in saved) and "projection.weight" in saved)
            gates = [float(saved["llm.blocks.%d.xattn.gate" % i]) for i in range(0, 30, 3)]
            self.assertTrue(all(g != 0 for g in gates), gates)
            # The run opens again from the file + what trained (userllm_torch.logits, the
            # interop tool): its logits are those of the file's weights, the pretrained
            # encoder and the checkpoint put together here by hand, and not the plain file's.
            out = os.path.join(tmp, "logits.safetensors")
            logits_tool.main(["--run", run, "--export", export, "--model", "xattn+perceiver-proj", "--count", "1",
                              "--out", out, "--gguf", self.path])
            got = load_file(out)
            model = UserLLMModel(model_config(preset, "xattn", True), *synthetic_export.VOCAB.values())
            model.llm.load_state_dict(self.state, strict=False)
            enc = load_file(os.path.join(export, "checkpoints", "encoder.safetensors"))
            model.load_state_dict(dict(enc, **saved), strict=False)
            model.double().eval()
            n = int(got["input.sequence_lengths"][0]) - 1
            ids = got["input.sequences"][:, :n].long()
            events = {k: got["input.events." + k].long() for k in ("item", "category", "rating", "lengths")}
            with torch.no_grad():
                expected = model(ids, events)[0].float()
                plain = self.lm(ids)[0]
            self.assertLess(float((got["logits"][0, :n] - expected).abs().max()), 1e-4)
            self.assertGreater(float((got["logits"][0, :n] - plain).abs().max()), 1e-2)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
