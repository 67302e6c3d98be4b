#!/usr/bin/env bash
# Prints the OPENBLAS_CORETYPE for this CPU's vector units (nothing where OpenBLAS's own
# detection is fine). OpenBLAS 0.3.21 mistakes CPUs newer than itself for a generic SSE3
# core; the test process cannot relaunch itself as the programs do (BLASRuntime), so the
# Makefile exports this before running the tests.
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
case " $flags " in
    *" avx512f "*" avx512bw "*|*" avx512bw "*" avx512f "*) echo SkylakeX ;;
    *" avx2 "*) case " $flags " in *" fma "*) echo Haswell ;; esac ;;
esac
