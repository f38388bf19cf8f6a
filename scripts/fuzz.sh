#!/usr/bin/env bash
# A fuzz campaign over every parser of user input (tests/Apc.Tests/Fuzz): each target runs SECONDS (default 60) of
# mutated inputs from a random seed. A failing input is added to tests/Apc.Tests/Fuzz/corpus/TARGET/ (commit it: the
# test suite replays the corpus on every run) and its test fails. Usage: scripts/fuzz.sh [SECONDS]
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
report="$(mktemp)"
APC_FUZZ_SECONDS="$seconds" APC_FUZZ_REPORT="$report" "$here/test" --filter "FullyQualifiedName~Fuzz.FuzzTests.MutatedSeedInputs"
rc=$?
echo "fuzz campaign, $seconds s per target:"
cat "$report"
rm -f "$report"
exit "$rc"
