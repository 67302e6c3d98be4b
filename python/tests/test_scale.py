"""The export reader maps its shards instead of reading them: on an export with
MovieLens-20M's shape (scale_export.py; a tenth of the size by default, the whole with
USERLLM_SCALE_FRACTION=1), one epoch's sharding check (userllm_torch.sharding) peaks far
below the export's size, and opening the export and building batches anywhere in it adds
almost nothing to a process's memory."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scale_export  # noqa: E402

FRACTION = float(os.environ.get("USERLLM_SCALE_FRACTION", "0.1"))
PYTHONPATH = os.path.join(HERE, "..")

# Memory (MB, userllm_torch.sharding.memory) after each stage, in a fresh process: imports;
# export opened, every shard's header read, batches built at the start, middle and end of
# the training part.
STAGES = """
import json, sys, torch
from userllm_torch.data import Export
from userllm_torch.sharding import memory
out = {"imports": memory()}
e = Export(sys.argv[1])
n = e.count("train")
for i in (0, n // 2, n - 32):
    e.batch("train", list(range(i, i + 32)))
e.batch("validation", [0, 1])
out["opened"] = memory()
print(json.dumps(out))
"""


def python(*args):
    env = dict(os.environ, PYTHONPATH=PYTHONPATH + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    r = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise AssertionError("%s failed:\n%s" % (" ".join(args[:3]), r.stderr[-3000:]))
    return r.stdout


class MappedExportTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="userllm-scale-")
        cls.export = os.path.join(cls.tmp, "export")
        cls.manifest = scale_export.write(cls.export, FRACTION)
        train = cls.manifest["parts"]["train"]
        # The training part as the old reader held it: token ids (int32) and six columns.
        cls.part_mb = (train["tokens"] * 4 + train["examples"] * 28) / 2 ** 20

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # Bounds are on anonymous memory, the process's own: the shards' pages a batch touched
    # are file-backed (shared page cache, reclaimable) and show in peak RSS as well (see
    # sharding.memory); the test reports them but does not bound them.

    def test_opening_and_batching_reads_almost_nothing(self):
        rss = json.loads(python("-c", STAGES, self.export))
        if "anonRSSMB" not in rss["imports"]:
            self.skipTest("no /proc/self/status RssAnon here")
        grew = rss["opened"]["anonRSSMB"] - rss["imports"]["anonRSSMB"]
        self.assertLess(grew, 32, "opening a %.0f MB training part and 4 batches grew the process by %.0f MB (%s)"
                        % (self.part_mb, grew, rss))

    def test_one_epochs_sharding_stays_far_below_the_export(self):
        report = json.loads(python("-m", "userllm_torch.sharding", "--export", self.export, "--batch-size", "32"))
        baseline = json.loads(python("-c", STAGES, self.export))["imports"]
        if "anonRSSMB" not in baseline:
            self.skipTest("no /proc/self/status RssAnon here")
        self.assertEqual(report["examples"], self.manifest["parts"]["train"]["examples"])
        self.assertEqual(report["examplesThisRank"], report["steps"] * 32)
        grew = report["anonRSSMB"] - baseline["anonRSSMB"]
        # The epoch's permutation is 8 bytes an example, its draws a bounded chunk; the
        # shards are not in memory. The reader before held the whole part (and peaked at twice).
        bound = 64 + 16 * report["examples"] / 2 ** 20
        msg = "%.0f MB anonymous over a %.0f MB baseline (peak RSS %.0f MB, file-backed %.0f MB) for a %.0f MB part" % (
            report["anonRSSMB"], baseline["anonRSSMB"], report["peakRSSMB"], report["fileRSSMB"], self.part_mb)
        sys.stderr.write(msg + "\n")
        self.assertLess(grew, bound, msg)
        self.assertLess(grew, self.part_mb / 4, msg)


if __name__ == "__main__":
    unittest.main()
