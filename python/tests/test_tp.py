"""--mode tp (text prompt: no encoder, no fusion) in the trainer: it learns, each strategy
changes exactly what it says, and 2 gloo processes equal 1 with the same global batch."""
import json
import os
import shutil
import sys
import tempfile
import unittest

from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import synthetic_export  # noqa: E402
from test_distributed import max_relative, torchrun  # noqa: E402
from userllm_torch import train  # noqa: E402

STEPS = 12


def run_tp(export, run, strategy, *extra):
    # Validation every 4 steps, patience off: the whole schedule runs.
    return train.main(["--export", export, "--run", run, "--mode", "tp", "--strategy", strategy, "--steps", str(STEPS),
                       "--eval-every", "4", "--lr", "0.01", "--dtype", "float64", "--threads", "1", *extra])


def losses(run, stage):
    with open(os.path.join(run, "metrics.json")) as f:
        training = json.load(f)["stages"][stage]["training"]
    return [x["loss"] for x in training["trainLosses"]], [x["loss"] for x in training["validationLosses"]]


class TextPromptTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="userllm-torch-tp-")
        cls.export = os.path.join(cls.tmp, "export")
        # Answers from 4 ids: learning their distribution takes the loss from ~log 64 toward
        # log 4 within a few steps, so "it learns" is a clear signal, not noise.
        synthetic_export.write(cls.export, users=16, mode="tp", answer_ids=4)
        cls.start = load_file(os.path.join(cls.export, "checkpoints", "lm.safetensors"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_full_learns_and_changes_every_llm_weight(self):
        run = os.path.join(self.tmp, "full")
        run_tp(self.export, run, "full")
        train_losses, validation = losses(run, "tp-full")
        self.assertEqual(len(train_losses), STEPS)
        self.assertTrue(all(map(lambda x: x == x and abs(x) < 1e9, train_losses + validation)), train_losses)
        self.assertGreater(train_losses[0], 3.5, train_losses)  # ≈ log 64 at the start
        first, last = sum(train_losses[:3]) / 3, sum(train_losses[-3:]) / 3
        self.assertLess(last, first - 0.5, train_losses)
        self.assertTrue(validation[0] > validation[1] > validation[2], validation)
        saved = load_file(os.path.join(run, "checkpoints", "tp-full.safetensors"))
        # TP has no encoder, perceiver, projection or cross-attention: the LLM alone.
        self.assertEqual(set(saved), {"llm." + k for k in self.start})
        for k, v in self.start.items():
            self.assertGreater(float((saved["llm." + k] - v).abs().max()), 0, k)

    def test_lora_trains_only_the_adapters(self):
        run = os.path.join(self.tmp, "lora")
        run_tp(self.export, run, "lora")
        train_losses, validation = losses(run, "tp-lora")
        self.assertTrue(all(x == x for x in train_losses))
        self.assertLess(validation[-1], validation[0], validation)
        saved = load_file(os.path.join(run, "checkpoints", "tp-lora.safetensors"))
        adapters = [k for k in saved if "lora_" in k]
        # rank-2 adapters on wq and wv of both layers: an A and a B each.
        self.assertEqual(len(adapters), 2 * 2 * 2, adapters)
        for k in adapters:
            if k.endswith("lora_B"):
                self.assertGreater(float(saved[k].abs().max()), 0, k + " did not train")
        for k, v in self.start.items():
            self.assertTrue(bool((saved["llm." + k] == v).all()), k + " changed under lora")

    def test_lora_follows_the_presets_targets(self):
        # lora.targets with MLP projections (Preset.LoRA.targets): adapters there too.
        preset = json.loads(json.dumps(synthetic_export.PRESET))
        preset["lora"]["targets"] = ["wq", "wv", "w2"]
        export = os.path.join(self.tmp, "export-mlp")
        synthetic_export.write(export, users=16, mode="tp", answer_ids=4, preset=preset)
        run = os.path.join(self.tmp, "lora-mlp")
        run_tp(export, run, "lora")
        saved = load_file(os.path.join(run, "checkpoints", "tp-lora.safetensors"))
        adapters = sorted(k for k in saved if "lora_" in k)
        self.assertEqual(len(adapters), 2 * 3 * 2, adapters)
        self.assertGreater(float(saved["llm.blocks.1.mlp.w2.lora_B"].abs().max()), 0, "w2's adapter did not train")
        self.assertFalse(any(".w1." in k or ".w3." in k for k in adapters), adapters)

    def test_strategies_that_need_an_encoder_are_refused(self):
        with self.assertRaises(SystemExit):
            run_tp(self.export, os.path.join(self.tmp, "enc"), "enc")
        with self.assertRaises(SystemExit):  # an export of TP prompts cannot train xattn
            train.main(["--export", self.export, "--run", os.path.join(self.tmp, "x"), "--mode", "xattn"])

    def test_two_processes_equal_one(self):
        one, two = os.path.join(self.tmp, "tp1"), os.path.join(self.tmp, "tp2")
        run_tp(self.export, one, "full", "--micro-batch", "3")
        torchrun(self.export, two, 2, "--eval-every", "4", "--lr", "0.01", "--steps", str(STEPS), mode="tp")
        a = load_file(os.path.join(one, "checkpoints", "tp-full.safetensors"))
        b = load_file(os.path.join(two, "checkpoints", "tp-full.safetensors"))
        self.assertEqual(set(a), set(b))
        self.assertLess(max_relative(b, a), 1e-5)


if __name__ == "__main__":
    unittest.main()
