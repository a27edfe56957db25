#!/usr/bin/env bash
# End-to-end checks of the coco-harness CLI as a user runs it: simulate with `snp gen`, verify with
# `snp verify`, cross-check the simulated chains with `openssl verify` and the VCEK layout with
# `openssl asn1parse` against AMD's real certificates, and the exit codes for bad input.
# Usage: cli_test.sh <coco-harness binary> <key cache dir> <shared dir>
set -uo pipefail
bin=$1 cache=$2 shared=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_exit() {  # expect_exit CODE cmd...
  local want=$1; shift
  "$@" >out.txt 2>err.txt; local got=$?
  if [ "$got" -eq "$want" ]; then ok; else bad "exit $got (want $want): $* :: $(head -c 300 err.txt)"; fi
}

for p in Milan Genoa Turin; do
  for s in vcek vlek; do
    for v in 2 3 5; do
      d=$p-$s-v$v
      expect_exit 0 "$bin" -q snp gen --product "$p" --signer "$s" --version "$v" --key-cache "$cache" \
        --out "$d.bin" --certs-out "$d" --evidence-out "$d.json" --cert-table-out "$d.table" --report-data 0a0b
      [ "$(stat -c %s "$d.bin")" -eq 1184 ] && ok || bad "$d.bin is not 1184 bytes"
      profile=(); [ "$v" = 2 ] && profile=(--profile go-sev-guest --product "$p")
      expect_exit 0 "$bin" snp verify "$d.bin" -c "$d/vek.der" --roots simulated --key-cache "$cache" \
        --expect-report-data 0a0b "${profile[@]}"
      expect_exit 0 "$bin" snp verify "$d.bin" --cert-table "$d.table" --roots simulated --key-cache "$cache" "${profile[@]}"
      expect_exit 0 "$bin" snp verify "$d.json" --roots simulated --key-cache "$cache" "${profile[@]}"
      # AMD's real roots do not trust the simulated world.
      expect_exit 1 "$bin" snp verify "$d.bin" -c "$d/vek.der" "${profile[@]}"
      grep -q snp.chain_untrusted out.txt && ok || bad "$d: real roots did not say snp.chain_untrusted"
      # OpenSSL accepts the simulated chain (serial 0 and RSA-PSS included).
      openssl verify -CAfile "$d/ark.pem" -untrusted "$d/cert_chain.pem" "$d/vek.pem" >/dev/null 2>&1 && ok ||
        bad "openssl verify rejected $d"
    done
  done
done

# A launch description from YAML, checked against the values it names.
src=$(cd "$(dirname "$0")/../../.." && pwd)
expect_exit 0 "$bin" -q snp gen --from "$src/fixtures/launch/genoa-peer-pod.yaml" --key-cache "$cache" --out pp.bin --certs-out pp
expect_exit 0 "$bin" snp verify pp.bin -c pp/vek.der --roots simulated --key-cache "$cache" --no-debug --no-migrate-ma \
  --expect-measurement 6a6519d757e68c2e939c9dbbbc1828498e8de35d2766dd05f1a2cca5059d0cf4ae62a36d75c837974dd50b315506e73e \
  --expect-host-data 8f3c3f5a4b1e0d2c9a7b6e5f4d3c2b1a0f9e8d7c6b5a49382716051423324150 --min-tcb bl=10,tee=0,snp=23,ucode=84
expect_exit 1 "$bin" snp verify pp.bin -c pp/vek.der --roots simulated --key-cache "$cache" --min-tcb bl=10,tee=0,snp=24,ucode=84
grep -q snp.tcb_below_minimum out.txt && ok || bad "--min-tcb did not report snp.tcb_below_minimum"

# Policy flags give named reasons and exit 1.
"$bin" -q snp gen --product Genoa --debug --key-cache "$cache" --out dbg.bin --certs-out dbg >/dev/null
expect_exit 1 "$bin" snp verify dbg.bin -c dbg/vek.der --roots simulated --key-cache "$cache" --no-debug
grep -q snp.debug_allowed out.txt && ok || bad "--no-debug did not report snp.debug_allowed"
expect_exit 1 "$bin" snp verify dbg.bin -c dbg/vek.der --roots simulated --key-cache "$cache" --expect-host-data ff
grep -q snp.host_data_mismatch out.txt && ok || bad "host data mismatch not named"
"$bin" --json snp verify dbg.bin -c dbg/vek.der --roots simulated --key-cache "$cache" > v.json
grep -q '"verdict": "verified"' v.json && grep -q '"policy_debug_allowed": true' v.json && ok || bad "--json verdict/claims"
expect_exit 0 "$bin" --json snp inspect dbg.bin
grep -q '"debug": true' out.txt && ok || bad "inspect --json does not show the debug policy bit"

# The simulated VCEK carries the same extensions, in the same order, as AMD's real ones.
if [ -d "$shared/corpus/snp" ]; then
  # Each AMD extension as OID=<DER tag of its value> (hwID: raw<length>), in certificate order.
  oids() {
    openssl asn1parse -inform der -in "$1" | awk '/OBJECT +:1\.3\.6\.1\.4\.1\.3704/ {
      n = split($0, a, ":"); oid = a[n]; getline
      match($0, / l= *[0-9]+/); len = substr($0, RSTART + 3, RLENGTH - 3) + 0
      split($0, h, "]:"); tag = substr(h[2], 1, 2)
      if (oid ~ /\.1\.4$/) print oid "=raw" len; else print oid "=" tag }' | tr '\n' ' '
  }
  [ "$(oids Milan-vcek-v3/vek.der)" = "$(oids "$shared/corpus/snp/go-sev-guest_vcek.der")" ] && ok ||
    bad "Milan VCEK extensions differ from the real one: $(oids Milan-vcek-v3/vek.der)"
  [ "$(oids Turin-vcek-v3/vek.der)" = "$(oids "$shared/corpus/snp/virtee_vcek_turin.der")" ] && ok ||
    bad "Turin VCEK extensions differ from the real one"
  [ "$(oids Milan-vlek-v3/vek.der)" = "$(oids "$shared/corpus/snp/trustee_test-vlek.der")" ] && ok ||
    bad "Milan VLEK extensions differ from the real one"
  expect_exit 0 "$bin" snp verify "$shared/corpus/snp/ccf_genoa_attestation.bin" -c "$shared/corpus/snp/ccf_genoa_endorsements.pem" --at 2026-01-01
else
  echo "SKIP: shared corpus not found at $shared"
fi

# A report without its VCEK: the verifier fetches it from a fake KDS (`kds serve`), then from the cache.
"$bin" --json kds serve --port 0 --key-cache "$cache" --duration 120 > kds.json &
kds_pid=$!
for _ in $(seq 1 100); do grep -q '"url"' kds.json 2>/dev/null && break; sleep 0.1; done
kds_url=$(grep -o 'http://127.0.0.1:[0-9]*' kds.json)
if [ -n "$kds_url" ]; then
  expect_exit 0 "$bin" snp verify Genoa-vcek-v3.bin --roots simulated --key-cache "$cache" --kds "$kds_url" --kds-cache kdscache
  grep -q "fetched from KDS" out.txt && ok || bad "the VCEK was not fetched from the KDS"
  kill "$kds_pid"; wait "$kds_pid" 2>/dev/null
  expect_exit 0 "$bin" snp verify Genoa-vcek-v3.bin --roots simulated --key-cache "$cache" --kds "$kds_url" --kds-cache kdscache
  expect_exit 1 "$bin" snp verify Milan-vcek-v3.bin --roots simulated --key-cache "$cache" --kds "$kds_url"
  grep -q snp.vek_unavailable out.txt && ok || bad "KDS down did not give snp.vek_unavailable"
else
  kill "$kds_pid" 2>/dev/null
  bad "kds serve printed no URL"
fi

# Bad input: exit 2 and exactly one line on stderr.
head -c 100 /dev/zero > short.bin
printf -- '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n' > garbage.pem
python3 -c 'import sys; b=bytearray(1184); b[0]=9; sys.stdout.buffer.write(b)' > v9.bin 2>/dev/null ||
  { printf '\x09'; head -c 1183 /dev/zero; } > v9.bin
for args in "snp verify short.bin" "snp verify v9.bin" "snp inspect short.bin" "snp verify Milan-vcek-v3.bin -c garbage.pem" \
            "snp verify missing.bin" "snp gen --product Pluto" "snp verify Milan-vcek-v3.bin --vmpl x" "snp verify Milan-vcek-v3.bin --at soon"; do
  # shellcheck disable=SC2086
  expect_exit 2 "$bin" $args
  [ "$(wc -l < err.txt)" -eq 1 ] && ok || bad "'$args' printed $(wc -l < err.txt) lines on stderr"
done
# TDX format layer: inspect a real quote, replay an event log against its quote.
tdx=$shared/corpus/tdx
if [ -d "$tdx" ]; then
  expect_exit 0 "$bin" --json tdx inspect "$tdx/trustee_tdx_quote_5.dat"
  grep -q '"version": "0500"' out.txt && ok || bad "tdx inspect: no v5 header version"
  expect_exit 0 "$bin" --json tdx eventlog "$tdx/go-tdx-guest_ccel/ccel_data.dat" --quote "$tdx/go-tdx-guest_ccel/cos-113-tdx-quote.dat"
  grep -q '"matches_quote": true' out.txt && ok || bad "tdx eventlog: replay does not match the COS quote"
  # trustee_CCEL_data is not quote 4's own log (MANIFEST.json): a mismatch is a verdict, exit 1.
  expect_exit 1 "$bin" tdx eventlog "$tdx/trustee_CCEL_data" --quote "$tdx/trustee_tdx_quote_4.dat"
fi
printf 'not a quote' > notaquote.bin
expect_exit 2 "$bin" tdx inspect notaquote.bin
[ "$(wc -l < err.txt)" -eq 1 ] && ok || bad "tdx inspect of garbage printed $(wc -l < err.txt) lines"
expect_exit 2 "$bin" snp verify
expect_exit 2 "$bin" --no-such-flag
expect_exit 0 "$bin" snp verify --help

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
