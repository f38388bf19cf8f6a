#!/usr/bin/env bash
# The local executor's --jobs against one stage at a time, in the same run (the machine is shared: compare the ratio,
# not the seconds). Runs a plan (default: the quick demo's) into fresh folders, first with --jobs 1 (one stage at a
# time in one process, all cores), then with --jobs N (N stages at once, cores ÷ N threads each), and prints both wall
# times and their ratio. Usage: bench/executor-jobs.sh [N] [demo options...], e.g. bench/executor-jobs.sh 2 --quick
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${1:-2}"; shift || true
options=("$@"); [ ${#options[@]} -eq 0 ] && options=(--quick)
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
run() { local start; start=$(date +%s%N); "$here/apc" demo "${options[@]}" --out "$out/$1" --jobs "$2" > "$out/$1.log" 2>&1; echo $(( ($(date +%s%N) - start) / 1000000 )); }
one=$(run one 1)
many=$(run many "$jobs")
awk -v o="${options[*]}" -v a="$one" -v j="$jobs" -v b="$many" -v c="$(nproc)" \
  'BEGIN { printf "apc demo %s: --jobs 1 %.0f s, --jobs %s %.0f s, speed-up %.2fx (cores: %s)\n", o, a / 1000, j, b / 1000, a / b, c }'
