#!/usr/bin/env bash
# OPA-format conformance cases through `coco-harness rego test`: the OPA suites (language core and the
# builtins the target policies need) must pass at least MIN percent; every failing case is listed with
# its reason. Usage: rego_conformance.sh <coco-harness> <shared dir> <min percent>
set -uo pipefail
bin=$1 shared=$2 min=$3
dir="$shared/rego-corpus/opa"
if [ ! -d "$dir" ]; then
  echo "SKIP: $dir not found (set COCO_SHARED_DIR)"
  exit 77
fi
out=$("$bin" rego test -v "$dir")
echo "$out"
line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$')
passed=${line%% passed*}
failed=${line#*, }; failed=${failed%% failed}
total=$((passed + failed))
pct=$((100 * passed / total))
echo "OPA conformance: $passed of $total cases pass ($pct%), minimum $min%"
[ "$pct" -ge "$min" ]
