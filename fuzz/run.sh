#!/usr/bin/env bash
# Runs one fuzz target for a while (default 60 s) with a seed corpus: simulated reports and certificate
# tables made by coco-harness, plus the real samples in ../shared/corpus when present (read-only; new
# inputs go to build/fuzz/corpus/<target> only). The Trustee KBS, Trustee parser and JOSE targets get the
# small hand-written seeds below instead (the JOSE tokens and JWEs were made with that target's fixed
# keys, so they verify and decrypt; the JWKs of ../shared/corpus/kbs/jwk are added when present).
# Usage: fuzz/run.sh <target> [seconds [libFuzzer flags...]]   (e.g. fuzz/run.sh kbs_auth 60 -rss_limit_mb=4096)
#   target: snp_report|snp_cert_table|snp_vcek_extensions|snp_evidence_json|
#           kbs_auth|kbs_attest|kbs_admin|trustee_config|trustee_initdata|jose|reports_json|tdx_quote|tdx_eventlog|
#           tdx_collateral|tdx_collateral_set|tdx_verify|tdx_td_yaml|azure_hcl|azure_tpm_attest|azure_evidence
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1 seconds=${2:-60}
shift $(($# < 2 ? $# : 2))
# COCO_FUZZ_BUILD: another build tree configured like the fuzz preset (default build/fuzz, the preset's).
build=${COCO_FUZZ_BUILD:-build/fuzz}
build_target() {
  if [ -n "${COCO_FUZZ_BUILD:-}" ]; then cmake --build "$build" --target "$1"
  else cmake --preset fuzz >/dev/null && cmake --build --preset fuzz --target "$1"; fi
}
[ -x "$build/fuzz/fuzz_$target" ] || build_target "fuzz_$target"
seeds=$build/corpus/$target
mkdir -p "$seeds"
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
seed() { cat >"$seeds/$1"; }  # seed NAME <<'EOF' ... (a trailing newline is whitespace to every JSON/TOML seed)

# The sample TEE's key in the KBS seeds: the P-256 public JWK of fuzz/jose_fuzz.cpp's fixed key.
tee_ec='{"kty":"EC","crv":"P-256","alg":"ECDH-ES+A256KW","x":"h_SMrudP9RhpJ_9qmNijW-xkDdy_AH9eU4EGUi5odaY","y":"FzfLA1t6MEF3BRJQijCx2uceiTO2xNHcYcC7NNkmTps"}'

snp_seeds() {
  local cli=$build/tools/coco-harness/coco-harness
  [ -x "$cli" ] || build_target coco-harness
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
}

kbs_auth_seeds() {
  seed valid <<<'{"version":"0.4.0","tee":"sample","extra-params":{}}'
  seed snp <<<'{"version":"0.4.0","tee":"snp","extra-params":""}'
  seed build-meta <<<'{"version":"0.4.0+build.7-x","tee":"az-snp-vtpm","extra-params":null}'
  seed prerelease <<<'{"version":"0.4.0-rc.1","tee":"tdx","extra-params":{}}'
  seed old <<<'{"version":"0.1.0","tee":"sample","extra-params":{}}'
  seed unknown-tee <<<'{"version":"0.4.0","tee":"SGX","extra-params":{}}'
  seed no-extra <<<'{"version":"0.4.0","tee":"sample"}'
  seed escaped <<<'{"version":"0.4\u002e0","tee":"s\u0061mple","extra-params":[1,{"a":"\ud83d\ude00"}]}'
}

# @NONCE@ and @DIGEST@ are filled in by the harness (fuzz/kbs_attest_fuzz.cpp).
kbs_attest_seeds() {
  local rsa='{"kty":"RSA","alg":"RSA-OAEP-256","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"}'
  local ev='{"primary_evidence":{"svn":"1","report_data":"@DIGEST@"},"additional_evidence":""}'
  local initdata='{"format":"toml","body":"version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n\"aa.toml\" = \"[token_configs]\"\n\"policy.rego\" = \"package agent_policy\\npolicy_data := {\\\"allowed\\\": [1, 2]}\\n\"\n"}'
  echo "{\"runtime-data\":{\"nonce\":\"@NONCE@\",\"tee-pubkey\":$tee_ec},\"tee-evidence\":$ev}" | seed valid
  echo "{\"runtime-data\":{\"nonce\":\"@NONCE@\",\"tee-pubkey\":$rsa},\"tee-evidence\":$ev}" | seed valid-rsa
  echo "{\"runtime-data\":{\"nonce\":\"@NONCE@\",\"tee-pubkey\":$tee_ec},\"tee-evidence\":$ev,\"init-data\":$initdata}" |
    seed init-data
  echo "{\"runtime-data\":{\"nonce\":\"@NONCE@\",\"tee-pubkey\":$tee_ec},\"tee-evidence\":{\"primary_evidence\":{\"svn\":\"1\",\"report_data\":\"@DIGEST@\"},\"additional_evidence\":\"{\\\"sample\\\":{\\\"svn\\\":\\\"2\\\"}}\"}}" |
    seed additional
  echo "{\"runtime-data\":{\"nonce\":\"AAAA\",\"tee-pubkey\":$tee_ec},\"tee-evidence\":$ev}" | seed wrong-nonce
  echo "{\"runtime-data\":{\"nonce\":\"@NONCE@\",\"tee-pubkey\":$tee_ec},\"tee-evidence\":{\"primary_evidence\":{\"svn\":\"1\"}}}" |
    seed no-report-data
  echo "{\"runtime-data\":{\"nonce\":\"@NONCE@\",\"tee-pubkey\":$tee_ec},\"tee-evidence\":{\"primary_evidence\":{\"attestation_report\":\"AAAA\",\"cert_chain\":[]}}}" |
    seed snp-shaped
}

# First byte mod 5: 0 resource-policy, 1 attestation-policy, 2 reference-value, 3 resource a/b/c, 4 GET.
kbs_admin_seeds() {
  local allow deny cpu rv p
  allow=$(printf 'package policy\n\nimport rego.v1\n\ndefault allow := false\n\nallow if data.plugin == "resource"\n' | b64url)
  deny=$(printf 'package policy\n\ndefault allow := false\n' | b64url)
  cpu=$(printf 'package policy\n\nimport rego.v1\n\ndefault executables := 33\ndefault hardware := 97\ndefault configuration := 36\n\nexecutables := 3 if input.sample.launch_digest == "abcde"\n\ntrust_claims := {"executables": executables, "hardware": hardware, "configuration": configuration}\n' | b64url)
  rv=$(printf '{"svn":["1"],"launch_digest":["abcde"],"major_version":1,"minimum_minor_version":1}' | base64 -w0)
  { printf '\000{"policy":"%s"}' "$allow"; } >"$seeds/resource-policy-allow"
  { printf '\000{"policy":"%s"}' "$deny"; } >"$seeds/resource-policy-deny"
  { printf '\000{"policy":"cGFja2FnZSBwb2xpY3kK="}'; } >"$seeds/resource-policy-padded"
  { printf '\001{"type":"rego","policy_id":"default_cpu","policy":"%s"}' "$cpu"; } >"$seeds/attestation-policy"
  { printf '\001{"type":"rego","policy_id":"x","policy":"cGFja2FnZSBwb2xpY3kK"}'; } >"$seeds/attestation-policy-empty"
  { printf '\002{"version":"0.1.0","type":"sample","payload":"%s"}' "$rv"; } >"$seeds/reference-value"
  { printf '\002{"version":"0.2.0","type":"sample","payload":"e30="}'; } >"$seeds/reference-value-version"
  { printf '\003new secret'; } >"$seeds/resource-put"
  for p in a/b/c a/b/missing 'a/b/c?x=1&y=%20' a/b .a/b/c a/../c; do
    { printf '\004%s' "$p"; } >"$seeds/get-$(printf '%s' "$p" | tr -c 'a-z' '_')"
  done
}

# The kbs-config.toml files of the config tests (upstream Trustee, current schema, chart v1.0/v1.1).
trustee_config_seeds() {
  awk -v dir="$seeds" '/ = R"\(/ { f = 1; n++; sub(/.*R"\(/, "") }
    f { if ($0 ~ /^\)";/) { f = 0; next }; print > (dir "/config" n ".toml") }' sim/trustee/tests/config_test.cpp
  seed minimal.toml <<'EOF'
[http_server]
insecure_http = true

[admin]
insecure_api = true

[[plugins]]
name = "resource"
type = "LocalFs"
dir_path = "/tmp/kbs-resources"
EOF
}

trustee_initdata_seeds() {
  local rv
  seed initdata.toml <<'EOF'
version = "0.1.0"
algorithm = "sha384"

[data]
"aa.toml" = '''
[token_configs.kbs]
url = "http://kbs:8080"
'''
"cdh.toml" = '''
socket = "unix:///run/confidential-containers/cdh.sock"
[kbc]
name = "cc_kbc"
url = "http://kbs:8080"
'''
"policy.rego" = '''
package agent_policy
policy_data := {"allowed_commands": ["ls", "cat"], "n": 1.5e3}
'''
EOF
  seed initdata-sha512.toml <<'EOF'
version = "0.1.0"
algorithm = "sha512"
[data]
x = "y"
EOF
  printf 'default/key/1' >"$seeds/resource-path"
  printf 'my-repo/type_2/tag.v1' >"$seeds/resource-path-dots"
  rv=$(printf '{"svn":["1"],"launch_digest":["abcde"],"major_version":1}' | base64 -w0)
  printf '{"version":"0.1.0","type":"sample","payload":"%s"}' "$rv" >"$seeds/rvps-message"
  printf '{"type":"sample","payload":"e30="}' >"$seeds/rvps-message-empty"
  seed reference-values.json <<'EOF'
[{"version":"0.1.0","name":"svn","expiration":"2027-01-15T08:00:00Z","value":["1"]},
 {"name":"old","expired":"2026-01-01T00:00:00Z","hash-value":[{"alg":"sha384","value":"abcd"}]}]
EOF
}

# Tokens, JWEs and JWKs of fuzz/jose_fuzz.cpp's fixed keys (one "name value" per line; no newline is
# written after the value, so the compact tokens stay exact).
jose_seeds() {
  local name value
  while read -r name value; do printf '%s' "$value" >"$seeds/$name"; done <<'EOF'
es256 eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJrYnMiLCJleHAiOjE4MDAwMDA2MDAsImlzcyI6Imlzc3VlciIsIm5iZiI6MTc5OTk5OTAwMCwicm9sZSI6ImFkbWluIn0.yO2YhNBR_KNHdcm7rRJpYkoIvptWCXt-u_pUucOfVAebwj3gpLJ792rVFM6XtA31Ih6qnWNkkkcn9pNHhxV8nQ
rs256 eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJrYnMiLCJleHAiOjE4MDAwMDA2MDAsImlzcyI6Imlzc3VlciIsIm5iZiI6MTc5OTk5OTAwMCwicm9sZSI6ImFkbWluIn0.WgAXAmK0HH4OwWHPWl_-vLi-GUvJsoy0C0-0JuCTg57ZTcLqM2BmFnbL6Mbcv0HZ8W4gYy9dQAfhe8wTJoTaPifwqpE4XmRU1Tsxs1M1cqAngpmlxeZfC1usa6nO0X6wJ75VW-JdeCZ4IgrGJsYq6XZI6dk8x9Tw6RprwfibCIp_jBmO-j5j-JuDD1dV0-jxQAftjWyxLQXuyYVjP3gpdIt6T6V4UMRhGB0tTjhcU9H2ynl4Ou6CEa1-2sTDtV9NzRIRZEPbVuw2SwsxQIW_9CsOAzr56RlhNcxOsuynMWTDUiC66cVcfI8QBuZqIBQYTSIAAvu1TgRuFrfUgv036g
eddsa eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJrYnMiLCJleHAiOjE4MDAwMDA2MDAsImlzcyI6Imlzc3VlciIsIm5iZiI6MTc5OTk5OTAwMCwicm9sZSI6ImFkbWluIn0.bFgOVaZAPdGH2ulzcERN4GFl-DSFIL_z0Py7-MhR1_0tVTo0lpsg6bu6n2OCUxW0TEDFrs1NDcZMeaXLV8pYDw
jwe-ec {"protected":"eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00iLCJlcGsiOnsiY3J2IjoiUC0yNTYiLCJrdHkiOiJFQyIsIngiOiJIbEVQOUlPem13THUtQnUtQTdfTjBKQWx0NXdySWZwOGVKM0ZHNVVBdFc0IiwieSI6InhMQ1lvcENMXy1oWENRRjdfem9lYUNvUmFHMHRubWd1RTI4X2gyQi00M28ifX0","encrypted_key":"ZjChm2SssaGmXq3NWiTvOPpVuLfkakvpKda-mBJp1596hC4kuMnN0Q","iv":"IKvOFbSXX60l_kxV","ciphertext":"M1208Wq_wpB1kaY","tag":"oPu6m78j_HtXIqnYde_V8w"}
jwe-ec128 {"protected":"eyJhbGciOiJFQ0RILUVTK0ExMjhLVyIsImVuYyI6IkExMjhHQ00iLCJlcGsiOnsiY3J2IjoiUC0yNTYiLCJrdHkiOiJFQyIsIngiOiIwZnV0N21zNURzcGwzOXNVREp0OVFKTkFMWk55b3UzUkVJN2V1LUhwYXhzIiwieSI6IkRUTUFOdk1DWE5qX1pTX2FxZE9xYVpuejdIb2RpaW1OelNmMUVRaFFkQVEifX0","encrypted_key":"uJPp0J5nDl7J0nzJAfAjkTOdfMYuat0w","iv":"z_eBc70AnYI9O-yf","ciphertext":"MYOfG0cJ-lAG4XY","tag":"sc7cDqxzy_5kK2QkrLgmsg"}
jwe-rsa {"protected":"eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0","encrypted_key":"Y5_eV96AkCBC03nrRryawXCrgbL5m8tzJbXCjrDMajnC9f1unZzg8OjtEcfytP_xjbKmpLIy1t-KF570w9AuR2mI4ansu7KlCgjggYRhjT-ym7RSl3lBKaAMmx_KOQ1RyyQTKuVqf6XKXu3SK_n6k20rtK1H1AwSXAA2m47B5oYlj5fBctKh_GCzgmaTbL6ujbi_SKcXuI0Xt7rbqYCg2Iehaz7pxaT3bKSmi-mYtMopQj2rdKFQVV_8vkxLJGNxkEsMfUAkVYTLNXuGYkCXldDzXqckyYpYe5YFEnMt9dbzHR-F_-QhCdHj3u_AZ6eKDAsS0wY2h7qpS7spwxxfgA","iv":"mnBwt9d77scxvFuX","ciphertext":"-Ic9zDiy-s4WG7o","tag":"LSfSf5z6s4ZlSXg_nxPe4Q"}
jwe-rsa15 {"protected":"eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMjU2R0NNIn0","encrypted_key":"PoK_lBX92GVOSdHpH9OKWDgBYK_CGpyaW1FIUSDRuam-V8t8lBRV2U0MFy7u9PrS8NODwtT-KNRCjIF4bEFw8CC5-RV9ECnJuP8HOXuRX7tGaGlvxB93-cm4eO_gPgfrYT_TA-kZ_hB_mcS-2wK1zAh06T7MMbZDdhFYn63cXdNjCRfNGmhK9cdHrsjq0UKc4198FQrTNODs4J9wWhDbqQ9RrGRaS2kjSkcKheyYWzXcx-Fa31M2vIis3ve2wd3oddwOuZAhbhnrjYDa6N0jsq-N7XjbO9PFOwR0CPZTEEuOTfYX7jqS16AlbasndYZg9knpXLwPrvDPK6t2bC5MOg","iv":"VFfG77OmrvJTLPYM","ciphertext":"wUNYxha9hhen_KM","tag":"ncevB7WQ5WpabQ-gWur7Uw"}
jwk-ec-priv {"crv":"P-256","d":"FOWAFj8lYb4xHLMP0ztYyKmM-TD6c-F2A05XCSVNrmI","kty":"EC","x":"h_SMrudP9RhpJ_9qmNijW-xkDdy_AH9eU4EGUi5odaY","y":"FzfLA1t6MEF3BRJQijCx2uceiTO2xNHcYcC7NNkmTps"}
jwk-ec-pub {"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":"h_SMrudP9RhpJ_9qmNijW-xkDdy_AH9eU4EGUi5odaY","y":"FzfLA1t6MEF3BRJQijCx2uceiTO2xNHcYcC7NNkmTps"}
jwk-rsa-pub {"e":"AQAB","kty":"RSA","n":"2843OulDs1tF_G0DFg6j5VyIKesjdY4ptV4Tr5Fkk5TZ1X7_egTpJ8i4cHxOMcwnxx46iYV2y5S-7I09ySminA-6isxl1WABYQV_z1do38-hsNK94ozy8aZ00eGnR36TR--L_o44Z9W4UMf3f7B0Nm8JsewrzYLjsbwRbUlmjbAY27QWVYb9d1UkGNs26F_UR4ZZAV6U-PBiavLLLX78b3Bho2r8ibPki5yjMnN813Rtr356oHgDVSdadxAS2OU7X-DF2oFC552CCChDaOhz5RJ_FSmtgZlDraoKeZ8wdtzbQeIqHPeRIv9DWEIyhKeyRZrSPlhHPWHW6liLGO65LQ"}
jwk-ed-priv {"crv":"Ed25519","d":"n3JE2ACv6JpEpXoPkFIK__gSGQ0MSBFW3x11E8AILvo","kty":"OKP","x":"iec9t8zB0ol8nvJUYuEwMYF3tYaSRVBHGbMFH-TdkAc"}
jwk-p384 {"crv":"P-384","kty":"EC","x":"hjZlANsD7jVSuv7VXjQqr0ZPvsWLaaOK6F7hZp8U4znqotqKscR6jCgH_ofZY4Ra","y":"vX80EJ3qmOD-ezblg8JX4xD7LSP-yZSVrfh_DIfgu4WyOqztJqfkLcSQ9nFEmEw-"}
jwk-p521 {"crv":"P-521","kty":"EC","x":"AERX_j4Uo_c_ao8aZ_qF-P1K2pSQUheoT9FKo0LNrHmbXv0-9dkpVigk5Fa_6TquTa0v6klYsE3nDLQNCNHwC-dl","y":"AVVhto06_DxU6_lIT2NKtTww2qKlO2JQzxMop9wVjNPh8PM47T87KAvzwdUYSeTt_exR-fFclQe-rmLMwmVtm_Va"}
jcs-numbers [1e21,1e-7,-0,0.1,1.5e300,18446744073709551615,-9223372036854775808,{"\u20ac":"\u0000","a":[]}]
EOF
}

# A real results.json from `coco-harness run` (two cases), plus a small hand-made one.
reports_json_seeds() {
  local cli=$build/tools/coco-harness/coco-harness
  [ -x "$cli" ] || build_target coco-harness
  "$cli" -q run --key-cache "$build/keycache" --attester sample --only protocol.healthz --only policy_denial.no_token \
    --reports "$build/reports-seed" >/dev/null || true
  cp "$build/reports-seed/results.json" "$seeds/results.json" 2>/dev/null || true
  seed empty-run <<'EOF'
{"schema":"coco-harness/run-report/v1","target":"embedded","attesters":[],"versions":{},"started_at":"2026-12-02T00:00:00Z","duration_s":0,"summary":{"total":0,"passed":0,"failed":0,"skipped":0,"required_failed":0,"ok":true},"cases":[]}
EOF
}

# Quotes, collateral and TD descriptions made with the fixed simulated Intel PKI of fuzz/tdx_fuzz_common.h
# (so the quotes verify in fuzz_tdx_verify), plus the example TD of fixtures/tdx for tdx_td_yaml.
tdx_seeds() {
  [ -x "$build/fuzz/fuzz_tdx_seeds" ] || build_target fuzz_tdx_seeds
  "$build/fuzz/fuzz_tdx_seeds" "$target" "$seeds"
  [ "$target" = tdx_td_yaml ] && cp fixtures/tdx/*.yaml "$seeds/"
  return 0
}

if [ -z "$(ls -A "$seeds")" ]; then
  case $target in
    kbs_auth | kbs_attest | kbs_admin | trustee_config | trustee_initdata | jose | reports_json) "${target}_seeds" ;;
    tdx_quote | tdx_eventlog) : ;;  # the real quotes, TDREPORT and CCEL logs in ../shared/corpus/tdx are the seeds
    azure_*) : ;;  # the real HCL reports, TPM quotes and evidence JSON in ../shared/corpus/azure are the seeds
    tdx_collateral | tdx_collateral_set | tdx_verify | tdx_td_yaml) tdx_seeds ;;
    *) snp_seeds ;;
  esac
fi
extra=()
case $target in
  snp_*) [ -d ../shared/corpus/snp ] && extra=(../shared/corpus/snp) ;;
  tdx_*) [ -d ../shared/corpus/tdx ] && extra=(../shared/corpus/tdx) ;;
  jose) [ -d ../shared/corpus/kbs/jwk ] && extra=(../shared/corpus/kbs/jwk) ;;
  azure_*) [ -d ../shared/corpus/azure ] && extra=(../shared/corpus/azure/snp-vtpm ../shared/corpus/azure/tdx-vtpm) ;;
esac
# Trustee's v0 Azure evidence (byte arrays as JSON numbers) is up to 36 KB.
max_len=8192
[ "$target" = azure_evidence ] && max_len=65536
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
exec "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -print_final_stats=1 "$@" \
  "$seeds" "${extra[@]}"
