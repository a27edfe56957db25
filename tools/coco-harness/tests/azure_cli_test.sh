#!/usr/bin/env bash
# End-to-end checks of the Azure commands as a user runs them: simulate az-snp-vtpm / az-tdx-vtpm evidence with
# `azure gen` (in-process vTPM, and swtpm when installed), verify it with `azure verify` against the simulated
# roots, named reasons for a wrong nonce, other init-data and a forged TPM signature, exit 2 with one line for
# unreadable input, `azure inspect`, `imds serve` answered over HTTP, `initdata digest` against python's
# hashlib, and Trustee's real Azure evidence from ../shared/corpus/azure when it is there.
# Usage: azure_cli_test.sh <coco-harness binary> <key cache dir> <shared dir>
set -uo pipefail
bin=$1 cache=$2 shared=$3
export COCO_KEY_CACHE=$cache
work=$(mktemp -d)
imds_pid=
trap '[ -n "$imds_pid" ] && kill "$imds_pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 2
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_exit() {  # expect_exit CODE cmd...
  local want=$1; shift
  "$@" >out.txt 2>err.txt; local got=$?
  if [ "$got" -eq "$want" ]; then ok; else bad "exit $got (want $want): $* :: $(head -c 400 out.txt err.txt)"; fi
}
has() {  # has PATTERN WHAT: out.txt contains PATTERN
  grep -q -- "$1" out.txt && ok || bad "$2: '$1' not in output: $(head -c 400 out.txt)"
}
one_line() { [ "$(wc -l < err.txt)" -eq 1 ] && ok || bad "$1 printed $(wc -l < err.txt) lines on stderr: $(cat err.txt)"; }

cat > initdata.toml <<'TOML'
version = "0.1.0"
algorithm = "sha384"

[data]
"aa.toml" = '''
[token_configs.kbs]
url = "http://kbs.example:8080"
'''
TOML
cat > other.toml <<'TOML'
version = "0.1.0"
algorithm = "sha256"

[data]
"aa.toml" = "something else"
TOML

# initdata digest: the raw digest and PCR8 as python computes them.
expect_exit 0 "$bin" --json initdata digest initdata.toml
want_digest=$(python3 -c 'import hashlib,sys; print(hashlib.sha384(open(sys.argv[1],"rb").read()).hexdigest())' initdata.toml)
want_pcr8=$(python3 -c 'import hashlib,sys; d=bytes.fromhex(sys.argv[1]); print(hashlib.sha256(bytes(32)+d[:32]).hexdigest())' "$want_digest")
has "\"digest\": \"$want_digest\"" "initdata digest"
has "\"pcr8\": \"$want_pcr8\"" "initdata digest pcr8"
has "\"snp_host_data\": \"${want_digest:0:64}\"" "initdata digest host_data"
has "\"tdx_mr_config_id\": \"$want_digest\"" "initdata digest mr_config_id"
expect_exit 0 "$bin" initdata digest other.toml
has "algorithm: sha256" "initdata digest text"
other_digest=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' other.toml)
printf 'version = "0.1.0"\nalgorithm = "sm3"\n[data]\n' > sm3.toml
expect_exit 2 "$bin" initdata digest sm3.toml
one_line "initdata digest with algorithm sm3"

# SNP and TDX, in-process vTPM: verified with the simulated roots, the same nonce and init-data.
for tee in snp tdx; do
  roots=(--amd-roots simulated); [ "$tee" = tdx ] && roots=(--intel-roots simulated)
  expect_exit 0 "$bin" -q azure gen --tee "$tee" --nonce 0011aabb --init-data initdata.toml -o "$tee.json" \
    --root-out "$tee-root.pem"
  expect_exit 0 "$bin" --json azure verify "$tee.json" "${roots[@]}" --nonce 0011aabb --init-data initdata.toml
  has '"verified": true' "$tee verify --json"
  has "\"init_data\": \"$want_pcr8\"" "$tee claims init_data = PCR8"
  expect_exit 0 "$bin" azure verify "$tee.json" --tee "$tee" --nonce 0011aabb --init-data-digest "$want_digest" \
    --amd-roots "$tee-root.pem" --intel-roots "$tee-root.pem"
  has "VERIFIED: az-$tee-vtpm evidence" "$tee verify text with --root-out roots"
  expect_exit 1 "$bin" azure verify "$tee.json" "${roots[@]}" --nonce 0011aabc
  has azure.nonce_mismatch "$tee wrong nonce"
  expect_exit 1 "$bin" azure verify "$tee.json" "${roots[@]}" --nonce 0011aabb --init-data other.toml
  has azure.init_data_mismatch "$tee other init-data"
  expect_exit 1 "$bin" azure verify "$tee.json" "${roots[@]}" --init-data-digest "$other_digest"
  has azure.init_data_mismatch "$tee other init-data digest"
  python3 - "$tee.json" "$tee-forged.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))
sig = ev["tpm_quote"]["signature"]
ev["tpm_quote"]["signature"] = ("1" if sig[0] == "0" else "0") + sig[1:]
json.dump(ev, open(sys.argv[2], "w"))
PY
  expect_exit 1 "$bin" azure verify "$tee-forged.json" "${roots[@]}" --nonce 0011aabb
  has azure.tpm_signature_invalid "$tee flipped signature digit"
  expect_exit 1 "$bin" --json azure verify "$tee-forged.json" "${roots[@]}" --claims
  has '"claims"' "$tee --claims on a rejected evidence"
  expect_exit 0 "$bin" --json azure inspect "$tee.json"
  has "\"kind\": \"az-$tee-vtpm evidence\"" "$tee inspect"
  has '"matches_report_data": true' "$tee inspect var-data binding"
  has '"pcr_digest_matches": true' "$tee inspect pcr digest"
  has '"signature_valid_with_hcl_ak": true' "$tee inspect signature"
  has '"extra_data": "0011aabb"' "$tee inspect nonce"
done
# The real roots do not trust the simulated world.
expect_exit 1 "$bin" azure verify snp.json --nonce 0011aabb
has snp.chain_untrusted "simulated SNP evidence against AMD's roots"
expect_exit 1 "$bin" azure verify tdx.json --nonce 0011aabb
has tdx.pck_chain_untrusted "simulated TDX evidence against Intel's root"
openssl verify -CAfile tdx-root.pem tdx-root.pem >/dev/null 2>&1 && ok || bad "openssl does not accept the simulated Intel root"

# TDX with collateral (the same seed's platform, from `tdx gen --collateral-out`): the TCB status is judged.
"$bin" -q tdx gen -o td.dat --collateral-out collateral.json >/dev/null
expect_exit 0 "$bin" --json azure verify tdx.json --intel-roots simulated --nonce 0011aabb --collateral collateral.json
has '"tcb_status": "UpToDate"' "tdx verify --collateral"
expect_exit 1 "$bin" azure verify tdx.json --intel-roots simulated --pcs-url http://127.0.0.1:1
has pcs.unreachable "tdx verify --pcs-url with no PCS"

# Older formats: SNP v0 and v1, TDX v0; the default nonce is "challenge".
for spec in "snp 0" "snp 1" "tdx 0"; do
  read -r tee v <<< "$spec"
  roots=(--amd-roots simulated); [ "$tee" = tdx ] && roots=(--intel-roots simulated)
  expect_exit 0 "$bin" -q azure gen --tee "$tee" --version "$v" -o "$tee-v$v.json"
  expect_exit 0 "$bin" --json azure verify "$tee-v$v.json" "${roots[@]}" --nonce-text challenge
  has "\"version\": $v" "$tee v$v verify"
done

# Bad input: exit 2 and one line on stderr.
head -c 3000 snp.json > truncated.json
printf 'garbage' > garbage.bin
printf '{"version": 2, "tpm_quote": 1}' > shape.json
head -c 500 tdx.json > truncated-tdx.json
for args in "azure verify truncated.json" "azure verify garbage.bin" "azure verify shape.json --tee snp" \
            "azure verify truncated-tdx.json --tee tdx" "azure verify missing.json" "azure inspect garbage.bin" \
            "azure inspect truncated.json" "azure verify snp.json --nonce xyz" "azure verify snp.json --tee sgx" \
            "azure verify snp.json --nonce 00 --nonce-text a" "azure verify snp.json --init-data missing.toml" \
            "azure verify snp.json --amd-roots garbage.bin" "azure verify tdx.json --collateral garbage.bin" \
            "azure verify snp.json --at soon" "azure gen --tee sgx" "azure gen --tee snp --version 3" \
            "azure gen --tee tdx --version 2" "azure gen --vtpm qemu" "azure gen --init-data sm3.toml" \
            "azure gen --nonce $(printf '%0130d' 0)" "initdata digest missing.toml" "imds serve --tee sgx"; do
  # shellcheck disable=SC2086
  expect_exit 2 "$bin" $args
  one_line "'$args'"
done
for sub in "azure gen" "azure verify" "azure inspect" "imds serve" "initdata digest"; do
  # shellcheck disable=SC2086
  expect_exit 0 "$bin" $sub --help
done

# swtpm: a real TPM 2.0 gives the same format.
if command -v swtpm >/dev/null && command -v swtpm_setup >/dev/null; then
  for tee in snp tdx; do
    roots=(--amd-roots simulated); [ "$tee" = tdx ] && roots=(--intel-roots simulated)
    expect_exit 0 "$bin" -q azure gen --tee "$tee" --vtpm swtpm --nonce-text hello --init-data initdata.toml \
      -o "$tee-swtpm.json"
    expect_exit 0 "$bin" azure verify "$tee-swtpm.json" "${roots[@]}" --nonce-text hello --init-data initdata.toml
  done
else
  echo "SKIP: swtpm not installed (apt-get install swtpm swtpm-tools): the swtpm vTPM checks"
fi

# imds serve: THIM and instance metadata behind the Metadata header.
"$bin" --json imds serve --port 0 --duration 120 > imds.json 2>imds.err &
imds_pid=$!
for _ in $(seq 1 300); do grep -q '"url"' imds.json 2>/dev/null && break; sleep 0.1; done
imds_url=$(grep -o 'http://127.0.0.1:[0-9]*' imds.json)
if [ -n "$imds_url" ]; then
  code=$(curl -s -o body.txt -w '%{http_code}' "$imds_url/metadata/instance?api-version=2021-02-01")
  [ "$code" = 400 ] && ok || bad "instance metadata without the Metadata header: HTTP $code (want 400)"
  grep -q "Required metadata header" body.txt && ok || bad "400 body: $(cat body.txt)"
  code=$(curl -s -o body.txt -w '%{http_code}' -H 'Metadata: true' \
    "$imds_url/metadata/instance/compute/vmSize?api-version=2021-02-01&format=text")
  [ "$code" = 200 ] && grep -q Standard_DC2as_v5 body.txt && ok || bad "vmSize: HTTP $code $(cat body.txt)"
  code=$(curl -s -o thim.json -w '%{http_code}' -H 'Metadata: true' "$imds_url/metadata/THIM/amd/certification")
  [ "$code" = 200 ] && grep -q vcekCert thim.json && ok || bad "THIM: HTTP $code $(head -c 200 thim.json)"
  grep -Eq '"tcbm": ?"[0-9A-F]{16}"' thim.json && ok || bad "THIM tcbm: $(grep -o '"tcbm"[^,]*' thim.json)"
  # The VCEK THIM serves certifies the key that signed `azure gen`'s evidence (the same seed; RSA-PSS signatures
  # differ between runs, the key does not).
  python3 - thim.json snp.json <<'PY'
import base64, json, sys
thim = json.load(open(sys.argv[1])); ev = json.load(open(sys.argv[2]))
open("thim-vcek.pem", "w").write(thim["vcekCert"])
v = ev["vcek"]; v += "=" * (-len(v) % 4)
open("ev-vcek.der", "wb").write(base64.urlsafe_b64decode(v))
PY
  if [ "$(openssl x509 -in thim-vcek.pem -pubkey -noout 2>&1)" = "$(openssl x509 -inform der -in ev-vcek.der -pubkey -noout 2>&1)" ]; then
    ok
  else
    bad "THIM's VCEK key is not the evidence's"
  fi
  kill "$imds_pid"; wait "$imds_pid"; rc=$?; imds_pid=
  [ "$rc" -eq 0 ] && ok || bad "imds serve exited $rc on SIGTERM (want a clean 0): $(cat imds.err)"
else
  bad "imds serve printed no URL: $(cat imds.err)"
fi
"$bin" --json imds serve --tee tdx --port 0 --duration 120 > imds.json 2>imds.err &
imds_pid=$!
for _ in $(seq 1 300); do grep -q '"url"' imds.json 2>/dev/null && break; sleep 0.1; done
imds_url=$(grep -o 'http://127.0.0.1:[0-9]*' imds.json)
if [ -n "$imds_url" ]; then
  code=$(curl -s -o body.txt -w '%{http_code}' -H 'Metadata: true' \
    "$imds_url/metadata/instance/compute/vmSize?api-version=2021-02-01&format=text")
  [ "$code" = 200 ] && grep -q Standard_DC2es_v5 body.txt && ok || bad "tdx vmSize: HTTP $code $(cat body.txt)"
  code=$(curl -s -o body.txt -w '%{http_code}' -X POST -d '{"report":"AAAA"}' "$imds_url/acc/tdquote")
  [ "$code" = 400 ] && ok || bad "tdquote with a short TDREPORT: HTTP $code (want 400)"
  kill "$imds_pid"; wait "$imds_pid"; imds_pid=
else
  bad "imds serve --tee tdx printed no URL: $(cat imds.err)"
fi

# Trustee's real Azure evidence (shared/corpus/azure, MANIFEST.json facts).
az=$shared/corpus/azure
if [ -d "$az" ]; then
  expect_exit 0 "$bin" --json azure inspect "$az/snp-vtpm/hcl-report.bin"
  has '"report_type": "snp"' "corpus hcl-report.bin"
  has '"matches_report_data": true' "corpus hcl-report.bin binding"
  expect_exit 0 "$bin" --json azure inspect "$az/snp-vtpm/tpm-quote.msg"
  has '"extra_data_ascii": "challenge"' "corpus tpm-quote.msg nonce"
  has '"pcr_digest": "9d608cf40eb5bc7454c6cbc0985c17c2efa45d5e5b28004aa7d77c1285d2fa5d"' "corpus tpm-quote.msg digest"
  expect_exit 0 "$bin" --json azure inspect "$az/snp-vtpm/quote.bin"
  has '"pcr_digest_matches": true' "corpus quote.bin"
  expect_exit 0 "$bin" azure inspect "$az/snp-vtpm/evidence-v2.json"
  has '"signature_valid_with_hcl_ak": true' "corpus evidence-v2.json"
  expect_exit 0 "$bin" --json azure inspect "$az/tdx-vtpm/hcl-report.bin"
  has '"report_type": "tdx"' "corpus tdx hcl-report.bin"
  expect_exit 0 "$bin" azure verify "$az/snp-vtpm/evidence-v1.json" --nonce-text challenge --amd-roots real
  has "VERIFIED: az-snp-vtpm evidence v1" "corpus evidence-v1.json"
  v2_nonce=$(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
e = [e for e in m["entries"] if e["path"] == "azure/snp-vtpm/evidence-v2.json"][0]
print(e["facts"]["tpm"]["extraData_nonce_hex"])' "$shared/corpus/MANIFEST.json")
  expect_exit 0 "$bin" --json azure verify "$az/snp-vtpm/evidence-v2.json" --nonce "$v2_nonce"
  has '"verified": true' "corpus evidence-v2.json with its nonce"
  expect_exit 1 "$bin" azure verify "$az/snp-vtpm/evidence-v2.json" --nonce-text challenge
  has azure.nonce_mismatch "corpus evidence-v2.json with the wrong nonce"
  expect_exit 0 "$bin" azure verify "$az/tdx-vtpm/evidence-v1.json" --nonce-text challenge --intel-roots real
  has "VERIFIED: az-tdx-vtpm evidence v1" "corpus tdx evidence-v1.json"
  expect_exit 1 "$bin" azure verify "$az/tdx-vtpm/evidence-v1.json" --nonce-text challenge --intel-roots simulated
  has tdx.pck_chain_untrusted "corpus tdx evidence against the simulated root"
else
  echo "SKIP: shared corpus not found at $shared (real Azure evidence checks)"
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
