"""torchrun with gloo on localhost: 2 processes equal 1 with the same global batch, and a
job whose worker is killed mid-run resumes from its last checkpoint with nothing lost."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import torch
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import synthetic_export  # noqa: E402
from userllm_torch import train  # noqa: E402

STEPS = "5"


def torchrun(export, run, nproc, *extra, env=None, max_restarts=0, mode="xattn"):
    """`extra` options come last, so they override these (argparse keeps the last)."""
    cmd = [sys.executable, "-m", "userllm_torch.launch", "--standalone", "--nproc_per_node", str(nproc),
           "--max_restarts", str(max_restarts), "-m", "userllm_torch.train", "--export", export, "--run", run,
           "--mode", mode, *(["--perceiver"] if mode != "tp" else []), "--strategy", "full", "--steps", STEPS,
           "--threads", "1", "--dtype", "float64", *extra]
    e = dict(os.environ, PYTHONPATH=os.path.join(HERE, "..") + os.pathsep + os.environ.get("PYTHONPATH", ""),
             OMP_NUM_THREADS="1", **(env or {}))
    r = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError("torchrun failed (%d):\n%s\n%s" % (r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
    return r


def weights(run):
    return load_file(os.path.join(run, "checkpoints", "xattn+perceiver-full.safetensors"))


def max_relative(a, b):
    worst = 0.0
    for k in a:
        scale = float(b[k].abs().max())
        worst = max(worst, float((a[k] - b[k]).abs().max()) / max(scale, 1e-30))
    return worst


class DistributedTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="userllm-torch-")
        cls.export = os.path.join(cls.tmp, "export")
        synthetic_export.write(cls.export)
        cls.single = os.path.join(cls.tmp, "single")
        # One process without torchrun (no process group), micro-batches of 3 out of 8:
        # gradient accumulation is exercised as well.
        train.main(["--export", cls.export, "--run", cls.single, "--mode", "xattn", "--perceiver", "--strategy", "full",
                    "--steps", STEPS, "--dtype", "float64", "--micro-batch", "3"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_two_processes_equal_one(self):
        run = os.path.join(self.tmp, "two")
        torchrun(self.export, run, 2)
        one, two = weights(self.single), weights(run)
        self.assertEqual(set(one), set(two))
        start = load_file(os.path.join(self.export, "checkpoints", "lm.safetensors"))
        # The weights moved (so equality is not of the start), and agree to 1e-5.
        self.assertGreater(max_relative({"llm.tok_emb.weight": one["llm.tok_emb.weight"]},
                                        {"llm.tok_emb.weight": start["tok_emb.weight"]}), 1e-3)
        self.assertLess(max_relative(two, one), 1e-5)

    def test_killed_worker_resumes_from_last_checkpoint(self):
        run = os.path.join(self.tmp, "killed")
        marker = os.path.join(self.tmp, "killed-once")
        r = torchrun(self.export, run, 2, "--checkpoint-every", "2", "--micro-batch", "3", max_restarts=1,
                     env={"USERLLM_TORCH_FAIL_AT_STEP": "3:1:" + marker})
        self.assertTrue(os.path.exists(marker), "the worker was not killed")
        # Rank 0 had checkpointed at step 3 (validation, evalEvery 3) when rank 1 died at the
        # start of step 4; the restarted group resumes there.
        self.assertIn("resuming xattn+perceiver-full at step 3", r.stderr)
        self.assertLess(max_relative(weights(run), weights(self.single)), 1e-5)
        self.assertFalse(os.path.exists(os.path.join(run, "checkpoints", "xattn+perceiver-full.resume.safetensors")))


if __name__ == "__main__":
    unittest.main()
