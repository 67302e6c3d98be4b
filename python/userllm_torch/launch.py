"""`python -m userllm_torch.launch …` is `torchrun …` (torch.distributed.run), made to work
with Debian's python3-torch 1.13 on Python ≥ 3.11: there torchrun's default `--redirects 0`
fails ("'NoneType' object has no attribute 'get'") because Std.from_str looks the value up
by iterating a Flag enum, which no longer yields the 0-valued member. A torch from PyPI
(≥ 2.0) needs none of this: use its `torchrun` directly."""
import re
import sys

from torch.distributed.elastic.multiprocessing import api


def _from_str(vm):
    if re.fullmatch(r"\s*\d\s*", vm):
        return api.Std(int(vm))
    if re.fullmatch(r"(\s*\d:\d\s*,?)+", vm):
        return {int(i): api.Std(int(v)) for i, v in (m.split(":") for m in vm.split(",") if m.strip())}
    raise ValueError("%s does not match a number or a local-rank:number mapping" % vm)


def main():
    api.Std.from_str = staticmethod(_from_str)
    from torch.distributed.run import main as run_main
    run_main(sys.argv[1:])


if __name__ == "__main__":
    main()
