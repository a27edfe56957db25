#!/usr/bin/env bash
# End-to-end checks of `coco-harness kbs`: a KBS started from a Trustee kbs-config.toml over HTTPS, the admin
# commands (resource, resource policy, reference values) and the guest commands (attest, get-resource) with
# the sample TEE and a simulated SNP guest, plus the denials and exit codes a user sees.
# Usage: kbs_cli_test.sh <coco-harness binary> <key cache dir>
set -uo pipefail
bin=$1 cache=$2
work=$(mktemp -d)
kbs_pid=
trap '[ -n "$kbs_pid" ] && kill "$kbs_pid" 2>/dev/null; [ -n "$pcs_pid" ] && kill "$pcs_pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_exit() {  # expect_exit CODE cmd...
  local want=$1; shift
  "$@" >out.txt 2>err.txt; local got=$?
  if [ "$got" -eq "$want" ]; then ok; else bad "exit $got (want $want): $* :: $(head -c 400 err.txt)"; fi
}

# A self-signed certificate for 127.0.0.1 and a token-signing key/certificate, as the chart mounts them.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout https.key -out https.crt -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || bad "openssl req (https)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout token.key -out token.crt -days 2 \
  -subj "/CN=attestation-token" >/dev/null 2>&1 || bad "openssl req (token)"
openssl genpkey -algorithm ed25519 -out admin.key >/dev/null 2>&1 || bad "openssl genpkey"
openssl pkey -in admin.key -pubout -out admin.pub >/dev/null 2>&1
mkdir -p repository
cat > kbs-config.toml <<TOML
[http_server]
sockets = ["127.0.0.1:0"]
insecure_http = false
private_key = "$work/https.key"
certificate = "$work/https.crt"

[admin]
type = "Simple"

[[admin.personas]]
id = "admin"
public_key_path = "$work/admin.pub"

[attestation_token]
trusted_certs_paths = ["$work/token.crt"]

[attestation_service]
type = "coco_as_builtin"

[attestation_service.attestation_token_broker]
duration_min = 5

[attestation_service.attestation_token_broker.signer]
key_path = "$work/token.key"
cert_path = "$work/token.crt"

[attestation_service.rvps_config]
type = "BuiltIn"

[[plugins]]
name = "resource"
type = "LocalFs"
dir_path = "$work/repository"

[policy_engine]
policy_path = "$work/policy.rego"
no_such_key = 1
TOML

# A fake Intel PCS for the TDX guest's collateral.
"$bin" --json pcs serve --port 0 --duration 300 > pcs.json 2> pcs.err &
pcs_pid=$!
for _ in $(seq 1 150); do grep -q '"url"' pcs.json 2>/dev/null && break; sleep 0.1; done
pcs_url=$(grep -o 'http://127.0.0.1:[0-9]*' pcs.json)
[ -n "$pcs_url" ] || { bad "pcs serve printed no URL: $(cat pcs.err)"; echo "$passes passed, $fails failed"; exit 1; }

"$bin" --json kbs serve --config kbs-config.toml --port 0 --amd-roots simulated --key-cache "$cache" \
  --intel-roots simulated --pcs-url "$pcs_url" --duration 300 > kbs.json 2> kbs.err &
kbs_pid=$!
for _ in $(seq 1 150); do grep -q '"url"' kbs.json 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'https://127.0.0.1:[0-9]*' kbs.json)
[ -n "$url" ] || { bad "kbs serve printed no URL: $(cat kbs.err)"; echo "$passes passed, $fails failed"; exit 1; }
grep -q 'unknown key `policy_engine.no_such_key`' kbs.err && ok || bad "no warning for an unknown key: $(cat kbs.err)"

common=(--url "$url" --ca-cert https.crt)
admin=("$bin" kbs admin "${common[@]}" --admin-key admin.key)
printf 'passphrase-of-the-pattern' > secret.bin
expect_exit 0 "${admin[@]}" set-resource --path default/passphrase/passphrase --resource-file secret.bin
[ -f "repository/default/passphrase/passphrase" ] || ls repository/* >/dev/null 2>&1 && ok || bad "resource not on disk"
# Without the admin key the admin API refuses (exit 1, Trustee's reason on stderr).
expect_exit 1 "$bin" kbs admin "${common[@]}" set-resource --path default/x/y --resource-file secret.bin
grep -q "AdminAuth" err.txt && ok || bad "no admin error type: $(cat err.txt)"

# Trustee's default resource policy denies the sample TEE: exit 1 with a hint, three attestations.
expect_exit 1 "$bin" --json kbs get-resource "${common[@]}" --path default/passphrase/passphrase
grep -q '"PolicyDeny"' out.txt && ok || bad "no PolicyDeny: $(cat out.txt)"

# A simulated SNP guest is released the secret by the same default policy.
expect_exit 0 "$bin" kbs get-resource "${common[@]}" --attester snp --key-cache "$cache" \
  --path default/passphrase/passphrase -o got.bin
cmp -s got.bin secret.bin && ok || bad "SNP guest got a different secret"
# So is a simulated TDX guest whose quote chains to the simulated Intel root, collateral from the fake PCS.
expect_exit 0 "$bin" kbs get-resource "${common[@]}" --attester tdx --path default/passphrase/passphrase -o got.bin
cmp -s got.bin secret.bin && ok || bad "TDX guest got a different secret"
expect_exit 0 "$bin" --json kbs attest "${common[@]}" --attester tdx
python3 -c 'import json; c=json.load(open("out.txt"))["claims"]["submods"]["cpu0"]["ear.veraison.annotated-evidence"]["tdx"]; assert c["tcb_status"] == "UpToDate", c' \
  && ok || bad "TDX claims without tcb_status UpToDate: $(head -c 400 out.txt)"

# allow_all for the sample TEE, then every TEE key type.
printf 'package policy\nimport rego.v1\ndefault allow := false\nallow if data.plugin == "resource"\n' > allow_all.rego
expect_exit 0 "${admin[@]}" set-resource-policy --policy allow_all.rego
for kt in ec-p256 ec-p521 rsa-oaep-256 rsa1_5; do
  expect_exit 0 "$bin" kbs get-resource "${common[@]}" --tee-key-type "$kt" --path default/passphrase/passphrase
  [ "$(base64 -d < out.txt)" = "passphrase-of-the-pattern" ] && ok || bad "$kt: wrong secret"
done

# The token: affirming once the reference values match the sample TEE.
expect_exit 0 "$bin" --json kbs attest "${common[@]}"
status() { python3 -c 'import json; print(json.load(open("out.txt"))["claims"]["submods"]["cpu0"]["ear.status"])'; }
[ "$(status)" = contraindicated ] && ok || bad "expected contraindicated without reference values"
expect_exit 0 "${admin[@]}" set-reference-value --name svn --value '["1"]'
expect_exit 0 "${admin[@]}" set-reference-value --name launch_digest --value '["abcde"]'
expect_exit 0 "${admin[@]}" set-reference-value --name major_version --value 1
expect_exit 0 "${admin[@]}" set-reference-value --name minimum_minor_version --value 1
expect_exit 0 "$bin" --json kbs attest "${common[@]}" --tee-key tee.pem
[ "$(status)" = affirming ] && ok || bad "expected affirming: $(head -c 600 out.txt)"

# Passport mode: the token alone fetches the secret.
python3 -c 'import json,sys; print(json.load(open("out.txt"))["token"], end="")' > token.jwt 2>/dev/null &&
  expect_exit 0 "$bin" kbs get-resource "${common[@]}" --path default/passphrase/passphrase --token token.jwt \
    --tee-key tee.pem
# Another TEE key cannot open the JWE made for the token's key.
expect_exit 1 "$bin" kbs get-resource "${common[@]}" --path default/passphrase/passphrase --token token.jwt

# Missing resource and unknown plugin paths; wrong CA.
expect_exit 1 "$bin" --json kbs get-resource "${common[@]}" --path default/none/here --attempts 1
grep -q '"PluginInternalError"' out.txt && ok || bad "missing resource: $(cat out.txt)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -out other.crt -days 2 \
  -subj "/CN=other" >/dev/null 2>&1
expect_exit 2 "$bin" -q kbs attest --url "$url" --ca-cert other.crt
[ "$(wc -l < err.txt)" -eq 1 ] && ok || bad "TLS failure printed $(wc -l < err.txt) lines"

# The conformance suites against this KBS as against any Trustee: URL, CA and admin key only.
expect_exit 0 "$bin" -q run --kbs-url "$url" --ca-cert https.crt --admin-key admin.key --attester sample \
  --only protocol.auth_challenge --only protocol.error_body_shape --only policy_denial.unknown_tee \
  --only policy_denial.wrong_protocol_version --reports remote-reports
grep -q '4 passed, 0 failed, 0 skipped of 4' out.txt && ok || bad "run --kbs-url summary: $(cat out.txt)"
for f in junit.xml results.json report.html; do [ -s "remote-reports/$f" ] && ok || bad "run --kbs-url wrote no $f"; done
grep -q "\"target\": \"$url\"" remote-reports/results.json && ok || bad "results.json does not name the target"
expect_exit 2 "$bin" run --ca-cert https.crt
expect_exit 2 "$bin" run --kbs-url "$url" --ca-cert https.crt --only no.such.case

# Bad input: exit 2, one line.
expect_exit 2 "$bin" kbs serve --config missing.toml
[ "$(wc -l < err.txt)" -eq 1 ] && ok || bad "missing config printed $(wc -l < err.txt) lines"
printf '[admin\n' > broken.toml
expect_exit 2 "$bin" kbs serve --config broken.toml
expect_exit 2 "$bin" kbs get-resource --url "$url" --path a/b/c --tee-key-type dsa
expect_exit 2 "$bin" kbs admin --url "$url" set-reference-value --name x --value 'not json'
expect_exit 0 "$bin" kbs --help

kill "$kbs_pid" "$pcs_pid"; wait "$kbs_pid" "$pcs_pid" 2>/dev/null; kbs_pid=; pcs_pid=
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
