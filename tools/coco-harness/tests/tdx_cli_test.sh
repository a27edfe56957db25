#!/usr/bin/env bash
# End-to-end checks of the TDX commands as a user runs them: simulate with `tdx gen`, verify with `tdx verify`
# against the simulated root and collateral (offline JSON, or fetched from `pcs serve`), the TCB status of an
# outdated platform, named reasons for tampering and the wrong root, exit 2 for unreadable input, and real
# quotes from ../shared/corpus/tdx when it is there.
# Usage: tdx_cli_test.sh <coco-harness binary> <shared dir>
set -uo pipefail
bin=$1 shared=$2
src=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
pcs_pid=
trap '[ -n "$pcs_pid" ] && kill "$pcs_pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 2
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_exit() {  # expect_exit CODE cmd...
  local want=$1; shift
  "$@" >out.txt 2>err.txt; local got=$?
  if [ "$got" -eq "$want" ]; then ok; else bad "exit $got (want $want): $* :: $(head -c 300 out.txt err.txt)"; fi
}
has() {  # has PATTERN WHAT: out.txt contains PATTERN
  grep -q -- "$1" out.txt && ok || bad "$2: '$1' not in output: $(head -c 400 out.txt)"
}
one_line() { [ "$(wc -l < err.txt)" -eq 1 ] && ok || bad "$1 printed $(wc -l < err.txt) lines on stderr: $(cat err.txt)"; }

# v4 and v5 (both body types), PEM and DER chains: verified with the simulated root and collateral, UpToDate.
for spec in "4 - pem" "5 2 pem" "5 3 der"; do
  read -r v bt chain <<< "$spec"
  q=q-v$v-$bt-$chain
  btargs=(); [ "$bt" != - ] && btargs=(--body-type "$bt")
  expect_exit 0 "$bin" -q tdx gen --version "$v" "${btargs[@]}" --chain "$chain" --report-data 00ff --mr-config-id abcd \
    -o "$q.dat" --root-out root.pem --collateral-out collateral.json --ccel-out "$q.ccel"
  expect_exit 0 "$bin" --json tdx verify "$q.dat" --root root.pem --collateral collateral.json --report-data 00ff \
    --mr-config-id abcd --no-debug --ccel "$q.ccel"
  has '"verified": true' "$q verify --json"
  has '"tcb_status": "UpToDate"' "$q verify --json"
  has '"replay_matches": true' "$q event log replay"
  expect_exit 0 "$bin" tdx verify "$q.dat" --root root.pem --collateral collateral.json
  has "VERIFIED: TDX quote v$v" "$q verify text"
  expect_exit 0 "$bin" --json tdx inspect "$q.dat"
  has "\"version\": \"0${v}00\"" "$q inspect"
done
openssl verify -CAfile root.pem root.pem >/dev/null 2>&1 && ok || bad "openssl does not accept the simulated root"

# Policy flags: a named reason each, exit 1.
expect_exit 1 "$bin" tdx verify q-v4---pem.dat --root root.pem --collateral collateral.json --report-data 0100
has tdx.report_data_mismatch "--report-data mismatch"
expect_exit 1 "$bin" tdx verify q-v4---pem.dat --root root.pem --mr-config-id ff
has tdx.mr_config_id_mismatch "--mr-config-id mismatch"
"$bin" -q tdx gen --debug -o dbg.dat >/dev/null
expect_exit 1 "$bin" tdx verify dbg.dat --root root.pem --no-debug
has tdx.debug_not_allowed "--no-debug"

# An outdated platform: PCESVN 12 (or TD QE ISVSVN 7) is OutOfDate, which Trustee accepts (exit 0) and --strict not.
expect_exit 0 "$bin" -q tdx gen --pcesvn 12 -o old.dat
expect_exit 0 "$bin" --json tdx verify old.dat --root root.pem --collateral collateral.json
has '"tcb_status": "OutOfDate"' "--pcesvn 12"
expect_exit 1 "$bin" tdx verify old.dat --root root.pem --collateral collateral.json --strict
has tdx.tcb_status_unacceptable "--strict on OutOfDate"
expect_exit 0 "$bin" -q tdx gen --qe-isvsvn 7 -o oldqe.dat
expect_exit 0 "$bin" --json tdx verify oldqe.dat --root root.pem --collateral collateral.json
has '"tcb_status": "OutOfDate"' "--qe-isvsvn 7"

# A flipped byte in the quote signature (v4: header 48 + body 584 + length 4 -> signature at 636).
python3 - q-v4---pem.dat flipped.dat <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[640] ^= 1; open(sys.argv[2], "wb").write(b)
PY
expect_exit 1 "$bin" tdx verify flipped.dat --root root.pem --collateral collateral.json
has tdx.quote_signature_invalid "flipped signature byte"
# Intel's real root does not trust the simulated world.
expect_exit 1 "$bin" tdx verify q-v4---pem.dat
has tdx.pck_chain_untrusted "verify without --root"
# A CC event log that is not the TD's own: the replay check names the mismatch, exit 1.
"$bin" -q tdx gen --td "$src/fixtures/tdx/td.yaml" -o direct.dat >/dev/null
expect_exit 1 "$bin" tdx verify direct.dat --root root.pem --ccel q-v4---pem.ccel
has tdx.eventlog_rtmr_mismatch "a foreign event log"

# Bad input: exit 2 and one line on stderr.
head -c 1000 q-v4---pem.dat > truncated.dat
expect_exit 2 "$bin" tdx verify truncated.dat --root root.pem
one_line "truncated quote"
grep -q "tdx.quote_truncated" err.txt && ok || bad "truncated quote not named tdx.quote_truncated: $(cat err.txt)"
printf '{"tcb_info": 1}' > badcoll.json
printf 'not json' > notjson.json
for args in "tdx verify missing.dat" "tdx verify q-v4---pem.dat --collateral badcoll.json" \
            "tdx verify q-v4---pem.dat --collateral notjson.json" "tdx verify q-v4---pem.dat --root notjson.json" \
            "tdx verify q-v4---pem.dat --at soon" "tdx verify q-v4---pem.dat --report-data xyz" \
            "tdx verify q-v4---pem.dat --ccel notjson.json" "tdx gen --version 3" "tdx gen --version 4 --body-type 3" \
            "tdx gen --chain cbor" "tdx gen --report-data $(printf '%0130d' 0)" "tdx gen --td missing.yaml" \
            "tdx gen --td $src/fixtures/tdx/td.yaml --ccel-out x.ccel"; do
  # shellcheck disable=SC2086
  expect_exit 2 "$bin" $args
  one_line "'$args'"
done
expect_exit 2 "$bin" tdx verify q-v4---pem.dat --collateral collateral.json --pcs-url http://127.0.0.1:1
expect_exit 0 "$bin" tdx verify --help
expect_exit 0 "$bin" tdx gen --help
expect_exit 0 "$bin" pcs serve --help

# The fixture TD (v5, TDX 1.5 body, MRCONFIGID = an init-data digest).
expect_exit 0 "$bin" -q tdx gen --td "$src/fixtures/tdx/td.yaml" -o fixture.dat
expect_exit 0 "$bin" tdx verify fixture.dat --root root.pem --collateral collateral.json --no-debug \
  --mr-config-id 9c0426d1ed9c40a9197f2d431aa5831989b60fd03eea649b05942ead2fd941b4

# Collateral fetched from a fake PCS (`pcs serve`); then the PCS is gone: a named failure, exit 1.
"$bin" --json pcs serve --port 0 --duration 120 > pcs.json 2>pcs.err &
pcs_pid=$!
for _ in $(seq 1 100); do grep -q '"url"' pcs.json 2>/dev/null && break; sleep 0.1; done
pcs_url=$(grep -o 'http://127.0.0.1:[0-9]*' pcs.json)
if [ -n "$pcs_url" ]; then
  expect_exit 0 "$bin" --json tdx verify q-v5-3-der.dat --root root.pem --pcs-url "$pcs_url"
  has '"tcb_status": "UpToDate"' "verify --pcs-url"
  expect_exit 0 "$bin" --json tdx verify old.dat --root root.pem --pcs-url "$pcs_url"
  has '"tcb_status": "OutOfDate"' "verify --pcs-url of the outdated platform"
  kill "$pcs_pid"; wait "$pcs_pid"; rc=$?; pcs_pid=
  [ "$rc" -eq 0 ] && ok || bad "pcs serve exited $rc on SIGTERM (want a clean 0): $(cat pcs.err)"
  expect_exit 1 "$bin" tdx verify q-v4---pem.dat --root root.pem --pcs-url "$pcs_url"
  has pcs.unreachable "verify --pcs-url with the PCS down"
else
  bad "pcs serve printed no URL: $(cat pcs.err)"
fi

# Real quotes (shared/corpus/tdx, MANIFEST.json facts).
tdx=$shared/corpus/tdx
if [ -d "$tdx" ]; then
  expect_exit 0 "$bin" tdx verify "$tdx/trustee_tdx_quote_4.dat"
  has "VERIFIED" "trustee quote 4 against Intel's root"
  e4=$tdx/go-tdx-guest_tdx_prod_quote_SPR_E4.dat
  expect_exit 0 "$bin" tdx verify "$e4" --at 2023-07-01T00:00:00Z
  expect_exit 0 "$bin" tdx verify "$e4"  # its PCK is valid until 2029-09-20
  expect_exit 1 "$bin" tdx verify "$e4" --at 2053-01-01T00:00:00Z
  has tdx.pck_expired "SPR E4 quote in 2053"
  # trustee_CCEL_data is not quote 4's own log (MANIFEST.json note): the replay fails, the claims are printed.
  expect_exit 1 "$bin" --json tdx verify --claims --ccel "$tdx/trustee_CCEL_data" "$tdx/trustee_tdx_quote_4.dat"
  has tdx.eventlog_rtmr_mismatch "quote 4 with trustee_CCEL_data"
  has '"uefi_event_logs"' "--claims --ccel"
  has '"td_attributes"' "--claims"
  expect_exit 1 "$bin" tdx verify --claims --ccel "$tdx/trustee_CCEL_data" "$tdx/trustee_tdx_quote_4.dat"
  has '"uefi_event_logs"' "--claims --ccel (text)"
  expect_exit 0 "$bin" tdx verify --ccel "$tdx/go-tdx-guest_ccel/ccel_data.dat" "$tdx/go-tdx-guest_ccel/cos-113-tdx-quote.dat"
else
  echo "SKIP: shared corpus not found at $shared (real-quote checks)"
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
