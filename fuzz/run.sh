#!/usr/bin/env bash
# Runs one fuzz target for a while (default 60 s) with a seed corpus: simulated reports and certificate
# tables made by coco-harness, plus the real samples in ../shared/corpus when present (read-only; new
# inputs go to build/fuzz/corpus/<target> only).
# Usage: fuzz/run.sh <target: snp_report|snp_cert_table|snp_vcek_extensions|snp_evidence_json> [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1 seconds=${2:-60}
build=build/fuzz
[ -x "$build/fuzz/fuzz_$target" ] || { cmake --preset fuzz >/dev/null && cmake --build --preset fuzz --target "fuzz_$target"; }
cli=$build/tools/coco-harness/coco-harness
[ -x "$cli" ] || cmake --build --preset fuzz --target coco-harness
seeds=$build/corpus/$target
mkdir -p "$seeds"
if [ -z "$(ls -A "$seeds")" ]; then
  for p in Milan Genoa Turin; do
    for v in 2 3 5; do
      "$cli" -q snp gen --product "$p" --version "$v" --key-cache "$build/keycache" --out "$seeds/$p$v.bin" \
        --certs-out "$seeds/certs-$p$v" --evidence-out "$seeds/$p$v.json" --cert-table-out "$seeds/$p$v.table" >/dev/null
    done
  done
  case $target in
    snp_report) rm -rf "$seeds"/*.json "$seeds"/*.table "$seeds"/certs-* ;;
    snp_cert_table) rm -rf "$seeds"/*.json "$seeds"/*.bin "$seeds"/certs-* ;;
    snp_evidence_json) rm -rf "$seeds"/*.bin "$seeds"/*.table "$seeds"/certs-* ;;
    snp_vcek_extensions) for d in "$seeds"/certs-*; do cp "$d/vek.der" "$seeds/$(basename "$d").der"; done
                         rm -rf "$seeds"/certs-* "$seeds"/*.bin "$seeds"/*.json "$seeds"/*.table ;;
  esac
fi
extra=()
[ -d ../shared/corpus/snp ] && extra=(../shared/corpus/snp)
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
exec "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1 \
  "$seeds" "${extra[@]}"
