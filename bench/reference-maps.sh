#!/usr/bin/env bash
# What reading the teacher's maps from a folder (apc evaluate --reference-maps) saves, in one run (the machine is
# shared: compare the ratio, not the seconds). Evaluates one model against the shipped teacher three times, one after
# another: without the folder, with an empty folder (computes and writes the teacher's maps), and with the filled
# folder (reads them). Prints the three wall times and the read/computed ratio.
# Usage: bench/reference-maps.sh MODEL.ckpt [N test scenes, default 300] [methods, default gradcam,lrp,excitation-backprop,rap]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${1:?usage: bench/reference-maps.sh MODEL.ckpt [N] [methods]}"
n="${2:-300}"
methods="${3:-gradcam,lrp,excitation-backprop,rap}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
run() {
  local start; start=$(date +%s%N)
  "$here/apc" evaluate --model "$model" --reference "$here/models/fashion-scenes-teacher.ckpt" --methods "$methods" \
    --split test --test-size "$n" --threads 1 --out "$out/$1" "${@:2}" > "$out/$1.log" 2>&1
  echo $(( ($(date +%s%N) - start) / 1000000 ))
}
plain=$(run plain)
fill=$(run fill --reference-maps "$out/maps")
read=$(run read --reference-maps "$out/maps")
cmp -s "$out/plain/pairs.json" "$out/read/pairs.json" && same="identical pairs.json" || same="pairs.json DIFFER"
awk -v p="$plain" -v f="$fill" -v r="$read" -v n="$n" -v m="$methods" -v s="$same" \
  'BEGIN { printf "evaluation against the teacher (%s, %d test scenes, 1 thread): no folder %.1f s, filling %.1f s, reading %.1f s; reading / no folder %.2f (%s)\n", m, n, p / 1000, f / 1000, r / 1000, r / p, s }'
