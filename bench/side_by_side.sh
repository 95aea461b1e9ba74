#!/usr/bin/env bash
# Side-by-side rounds of kerago's bench/ benchmarks and PyTorch's
# ../shared/bench/torch_reference.py (1 and 2 threads), alternating, so that
# both sides run in the same minutes; the README's performance table is the
# best of each side over the rounds.
#
#   OPENBLAS=<dir with libopenblas.so.0> ROUNDS=7 bash bench/side_by_side.sh > rounds.txt
#
# OPENBLAS (optional) goes on LD_LIBRARY_PATH for PyTorch: Debian's
# python3-torch links the reference BLAS otherwise (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
TORCH=${TORCH:-../shared/bench/torch_reference.py}
bin=$(mktemp -d)/bench.test
go test -c -o "$bin" ./bench
for r in $(seq 1 "$ROUNDS"); do
  echo "### round $r $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
  (cd bench && "$bin" -test.run '^$' -test.bench . -test.benchtime 10x -test.count 1 -test.cpu 1,2 -test.benchmem)
  for t in 1 2; do
    echo "## torch threads $t $(date -u +%T)"
    LD_LIBRARY_PATH=${OPENBLAS:-} /usr/bin/python3 "$TORCH" --threads "$t"
  done
done
