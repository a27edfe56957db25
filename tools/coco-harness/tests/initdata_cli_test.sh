#!/usr/bin/env bash
# End-to-end checks of `coco-harness initdata` as a pattern user runs it, against the shell tools the pattern's
# init-data-gzipper job and docs use: render the pattern's TOML, encode it and check `base64 -d | gzip -d`
# gives it back, RAW_HASH against sha256sum, PCR8 against pattern.md 3.2's shell computation (printf of 64
# zero hex digits + RAW_HASH | xxd -r -p | sha256sum; python3 when xxd is missing), decode round trip,
# explain on the annotation value, on a ConfigMap YAML and against reference values that do / do not contain
# the PCR8 (exit 0 / 1), and bad input with exit 2 and one line on stderr.
# Usage: initdata_cli_test.sh <coco-harness binary>
set -uo pipefail
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_exit() {  # expect_exit CODE cmd...
  local want=$1; shift
  "$@" >out.txt 2>err.txt; local got=$?
  if [ "$got" -eq "$want" ]; then ok; else bad "exit $got (want $want): $* :: $(head -c 400 out.txt err.txt)"; fi
}
has() {  # has PATTERN WHAT: out.txt contains PATTERN (fixed string)
  grep -qF -- "$1" out.txt && ok || bad "$2: '$1' not in output: $(head -c 600 out.txt)"
}
eq() {  # eq GOT WANT WHAT
  [ "$1" = "$2" ] && ok || bad "$3: got '$1', want '$2'"
}
one_line() { [ "$(wc -l < err.txt)" -eq 1 ] && ok || bad "$1 printed $(wc -l < err.txt) lines on stderr: $(cat err.txt)"; }
hex_to_bin() {  # stdin hex -> stdout bytes
  if command -v xxd >/dev/null; then xxd -r -p; else python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))'; fi
}

# The KBS route's certificate, as cert-manager's self-signed issuer makes it.
if command -v openssl >/dev/null; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout tls.key -out tls.crt \
    -days 365 -subj "/CN=kbs.apps.hub.example.com" >/dev/null 2>&1 || bad "openssl could not make a certificate"
else
  python3 - <<'PY' || bad "no openssl and python3 could not make a certificate"
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
import datetime
k = ec.generate_private_key(ec.SECP256R1())
n = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kbs.apps.hub.example.com")])
now = datetime.datetime.utcnow()
c = (x509.CertificateBuilder().subject_name(n).issuer_name(n).public_key(k.public_key()).serial_number(1)
     .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=365)).sign(k, hashes.SHA256()))
open("tls.crt", "wb").write(c.public_bytes(serialization.Encoding.PEM))
PY
fi

# render
expect_exit 0 "$bin" initdata render --kbs-url https://kbs.apps.hub.example.com --kbs-cert tls.crt
cp out.txt initdata.toml
has 'algorithm = "sha256"' "render algorithm"
has 'url = "https://kbs.apps.hub.example.com"' "render url"
has "image_security_policy_uri = 'kbs:///default/security-policy/insecure'" "render security policy"
has '"curl http://127.0.0.1:8006/cdh/resource/default/attestation-status/status"' "render allow-list"
has 'default ExecProcessRequest := false' "render secure policy"
has "$(sed -n 2p tls.crt)" "render embeds the certificate"
expect_exit 0 "$bin" initdata render --kbs-url https://kbs.apps.hub.example.com --kbs-cert tls.crt --debug \
  --security-policy signed
cp out.txt debug.toml
has 'default ExecProcessRequest := true' "render --debug"
has "security-policy/signed'" "render --security-policy"

# encode: base64 -d | gzip -d gives the TOML back
expect_exit 0 "$bin" initdata encode initdata.toml
value=$(cat out.txt)
printf '%s' "$value" > INITDATA
eq "$(wc -l < out.txt | tr -d ' ')" "1" "encode prints one line"
if base64 -d < INITDATA | gzip -d > roundtrip.toml 2>/dev/null && cmp -s roundtrip.toml initdata.toml; then ok; else
  bad "base64 -d | gzip -d of the encoded value is not the TOML"; fi
"$bin" initdata encode - < initdata.toml > stdin.txt 2>/dev/null && eq "$(cat stdin.txt)" "$value" "encode from stdin"

# digests: RAW_HASH = sha256sum, PCR8 as pattern.md 3.2 computes it
raw=$(sha256sum initdata.toml | cut -d' ' -f1)
pcr8=$(printf '%s' "0000000000000000000000000000000000000000000000000000000000000000${raw}" | hex_to_bin | sha256sum | cut -d' ' -f1)
expect_exit 0 "$bin" initdata digest initdata.toml
has "digest: $raw" "digest RAW_HASH"
has "pcr8: $pcr8" "digest PCR8"

# decode: value, file and stdin
expect_exit 0 "$bin" initdata decode "$value"
cmp -s out.txt initdata.toml && ok || bad "decode VALUE does not round-trip"
expect_exit 0 "$bin" initdata decode INITDATA
cmp -s out.txt initdata.toml && ok || bad "decode FILE does not round-trip"
"$bin" initdata decode - < INITDATA > out.txt 2>err.txt && cmp -s out.txt initdata.toml && ok || bad "decode - does not round-trip"
# the older pattern's plain base64 TOML
expect_exit 0 "$bin" initdata decode "$(base64 -w0 < debug.toml)"
cmp -s out.txt debug.toml && ok || bad "decode plain base64 TOML"

# explain the annotation value
expect_exit 0 "$bin" initdata explain "$value"
has "source: annotation" "explain annotation source"
has "kbs url: https://kbs.apps.hub.example.com" "explain kbs url"
has "kbs cert subject: CN=kbs.apps.hub.example.com" "explain cert subject"
has "algorithm: sha256" "explain algorithm"
has "digest (RAW_HASH): $raw" "explain RAW_HASH"
has "pcr8 (PCR8_HASH): $pcr8" "explain PCR8"
has "--- aa.toml ---" "explain aa.toml"
has "--- cdh.toml ---" "explain cdh.toml"
has "--- policy.rego ---" "explain policy.rego"
expect_exit 0 "$bin" --json initdata explain INITDATA
has "\"pcr8\": \"$pcr8\"" "explain --json pcr8"
has '"source": "annotation"' "explain --json source"

# explain a ConfigMap YAML as the gzipper job writes it, with a stale PCR8_HASH
cat > cm.yaml <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: initdata
  namespace: imperative
  labels:
    coco.io/type: initdata
data:
  INITDATA: "$value"
  RAW_HASH: "$raw"
  PCR8_HASH: "0000000000000000000000000000000000000000000000000000000000000000"
  version: "0.1.0"
  algorithm: "sha256"
EOF
expect_exit 0 "$bin" initdata explain cm.yaml
has "source: configmap initdata" "explain ConfigMap source"
has "note: the ConfigMap's PCR8_HASH 0000000000000000000000000000000000000000000000000000000000000000 disagrees with its INITDATA ($pcr8)" "explain stale PCR8_HASH"

# against reference values: the chart's list form containing it, the RVPS map form without it
printf '[{"name":"snp_pcr08","expiration":"2027-12-12T00:00:00Z","value":["%s"]},{"name":"tdx_pcr08","expiration":"2027-12-12T00:00:00Z","value":["%s"]},{"name":"snp_pcr03","expiration":"2027-12-12T00:00:00Z","value":["00"]}]' \
  "$pcr8" "$pcr8" > rv-in.json
printf '{"snp_pcr08":["%s"],"tdx_pcr08":["%s"]}' "$(printf '%064d' 1)" "$(printf '%064d' 2)" > rv-out.json
expect_exit 0 "$bin" initdata explain "$value" --reference-values rv-in.json
has "PCR8 $pcr8 is in reference values snp_pcr08, tdx_pcr08" "explain contained"
expect_exit 1 "$bin" initdata explain cm.yaml --reference-values rv-out.json
has "PCR8 $pcr8 is NOT in the reference values: update rvps-reference-values and restart the pod" "explain not contained"
expect_exit 1 "$bin" --json initdata explain INITDATA --reference-values rv-out.json
has '"in_reference_values": false' "explain --json not contained"

# bad input: exit 2, one line naming what is wrong
expect_exit 2 "$bin" initdata decode 'not base64!'
one_line "decode of a non-base64 value"
grep -qF "init-data value: init-data value is not base64 (expected the output of \`gzip | base64 -w0\`) [pattern.initdata_encoding]" err.txt \
  && ok || bad "decode error message: $(cat err.txt)"
printf 'H4sIAAAAAAAAA+3BAQ0AAADCoP5p' > corrupt.txt
expect_exit 2 "$bin" initdata decode corrupt.txt
one_line "decode of corrupt gzip"
grep -qF "init-data gzip stream is corrupt" err.txt && ok || bad "corrupt gzip message: $(cat err.txt)"
expect_exit 2 "$bin" initdata render --kbs-url https://kbs.example --kbs-cert tls.crt --security-policy lax
one_line "render with a bad flavour"
grep -qF "coco-harness: error: --security-policy must be insecure, signed or reject, got 'lax'" err.txt \
  && ok || bad "flavour message: $(cat err.txt)"
expect_exit 2 "$bin" initdata render --kbs-url https://kbs.example --kbs-cert initdata.toml
one_line "render with a non-PEM certificate"
expect_exit 2 "$bin" initdata encode rv-in.json
one_line "encode of a non-TOML file"
expect_exit 2 "$bin" initdata explain "hello, world!"
one_line "explain of junk"
grep -qF "[pattern.initdata_unrecognized]" err.txt && ok || bad "explain junk message: $(cat err.txt)"
printf '{' > broken.json
expect_exit 2 "$bin" initdata explain INITDATA --reference-values broken.json
one_line "explain with broken reference values"
grep -qF "coco-harness: error: broken.json: not JSON" err.txt && ok || bad "broken json message: $(cat err.txt)"
expect_exit 2 "$bin" initdata explain INITDATA --reference-values /nonexistent/rv.json
one_line "explain with a missing reference values file"

echo "initdata_cli_test: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
