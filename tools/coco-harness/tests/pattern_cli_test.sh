#!/usr/bin/env bash
# The simulated pattern from the command line: `pattern up` in the background, `pattern status` (human and
# JSON) while it runs, `pattern down`; `run --scenario` with a user's own scenario file; bad scenarios.
# Usage: pattern_cli_test.sh <coco-harness binary> <key cache dir>
set -uo pipefail
bin=$1 cache=$2
work=$(mktemp -d)
up_pid=
cleanup() {
  [ -n "$up_pid" ] && kill "$up_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
state="$work/state/pattern.json"

# Not up yet: status says what to do, exit 2.
"$bin" pattern status --state "$state" > /dev/null 2> e.txt; rc=$?
[ "$rc" -eq 2 ] && ok || bad "status without a pattern exited $rc"
grep -q 'no simulated pattern is up .*pattern up' e.txt && ok || bad "status message: $(cat e.txt)"

"$bin" pattern up --state "$state" --key-cache "$cache" --duration 300 > up.txt 2> up.err &
up_pid=$!
for _ in $(seq 1 600); do
  [ -s "$state" ] && break
  kill -0 "$up_pid" 2>/dev/null || break
  sleep 0.1
done
[ -s "$state" ] && ok || bad "pattern up wrote no state file: $(tail -3 up.err)"
grep -q 'kbs-access/secure  *Running  *Standard_DC2as_v5 az-snp-vtpm' up.txt && ok || bad "up output: $(cat up.txt)"
grep -q 'hello-openshift/standard  *Running  *runc' up.txt && ok || bad "standard is not a runc pod in: $(cat up.txt)"

"$bin" pattern status --state "$state" > status.txt; rc=$?
[ "$rc" -eq 0 ] && ok || bad "status exited $rc"
grep -q 'init-data initdata .*RAW_HASH [0-9a-f]\{64\}' status.txt && ok || bad "status shows no RAW_HASH: $(cat status.txt)"
"$bin" --json pattern status --state "$state" > status.json && ok || bad "status --json failed"
python3 - status.json <<'PY' && ok || bad "status JSON"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["scenario"] == "simple", s["scenario"]
cm = s["peer_pods_cm"]
assert cm["CLOUD_PROVIDER"] == "azure" and cm["DISABLECVM"] == "false", cm
assert cm["AZURE_SUBNET_ID"].startswith("/subscriptions/" + s["subscription"] + "/resourceGroups/"), cm
pods = {p["namespace"] + "/" + p["name"]: p for p in s["pods"]}
assert len(pods) == 4, pods.keys()
assert all(p["phase"] == "Running" for p in pods.values()), pods
assert pods["kbs-access/secure"]["vm"]["tee"] == "az-snp-vtpm", pods["kbs-access/secure"]
PY

# oc exec, simulated: denied in secure (the agent policy), allowed in insecure-policy.
"$bin" pattern exec --state "$state" -n hello-openshift secure -- ls / > x.out 2> x.err; rc=$?
[ "$rc" -eq 1 ] && ok || bad "exec into secure exited $rc"
grep -q 'error executing command in container: .*ExecProcessRequest is blocked by policy' x.err && ok ||
  bad "exec denial: $(cat x.err)"
"$bin" pattern exec --state "$state" -n hello-openshift insecure-policy -- \
  curl -s http://127.0.0.1:8006/cdh/resource/default/attestation-status/status > x.out 2> x.err; rc=$?
[ "$rc" -eq 0 ] && ok || bad "exec into insecure-policy exited $rc: $(cat x.err)"
[ "$(cat x.out)" = "attested" ] && ok || bad "attestation-status/status is \"$(cat x.out)\""
"$bin" pattern exec --state "$state" -n hello-openshift nope -- ls > /dev/null 2> x.err; rc=$?
[ "$rc" -eq 2 ] && ok || bad "exec into a missing pod exited $rc"
grep -q 'pods "nope" not found' x.err && ok || bad "missing pod message: $(cat x.err)"

"$bin" pattern down --state "$state" > down.txt; rc=$?
[ "$rc" -eq 0 ] && ok || bad "down exited $rc"
grep -q '^pattern down$' down.txt && ok || bad "down output: $(cat down.txt)"
for _ in $(seq 1 100); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$up_pid" 2>/dev/null; then bad "pattern up still runs after down"; else ok; fi
wait "$up_pid"; rc=$?
[ "$rc" -eq 0 ] && ok || bad "pattern up exited $rc after down"
up_pid=
[ ! -e "$state" ] && ok || bad "the state file is still there"

# A user's own scenario: one pod that reads its team's secret, no NAT gateway problem, own quota.
mkdir -p mine
cat > mine/pods.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: reader
  namespace: kbs-access
  annotations: {coco.io/initdata-configmap: initdata}
spec:
  runtimeClassName: kata-remote
  initContainers:
    - name: curl
      image: ubi
      command: [sh, -c, "curl -s http://127.0.0.1:8006/cdh/resource/default/team/token > /output/token"]
  containers:
    - {name: app, image: ubi}
YAML
cat > mine/scenario.yaml <<'YAML'
name: team
azure: {quota: {standardDCASv5Family: 8}}
secrets: {team: {token: s3cr3t}}
manifests: [pods.yaml]
YAML
"$bin" run --key-cache "$cache" --scenario mine/scenario.yaml --only pattern.peer_pods_cm_from_cloud_conf \
  --only pattern.exec_secure_denied --reports mine-reports > mine.txt 2> mine.err; rc=$?
# The user's scenario has no hello-openshift: exec_secure_denied fails and says so; the cloud case passes.
[ "$rc" -eq 1 ] && ok || bad "run --scenario exited $rc"
grep -q 'FAIL pattern.exec_secure_denied \[az-snp-vtpm\]: oc exec -n hello-openshift secure failed: .*pods "secure" not found' mine.txt && ok ||
  bad "the failure does not name the missing pod: $(grep FAIL mine.txt)"
grep -q '^  pattern  *az-snp-vtpm  *1 passed, 1 failed' mine.txt && ok || bad "summary: $(cat mine.txt)"
"$bin" --json pattern up --scenario mine/scenario.yaml --state "$work/s2.json" --key-cache "$cache" \
  --duration 0.5 > mine-up.json 2>/dev/null && ok || bad "pattern up --scenario failed"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); p=s["pods"]; assert s["scenario"]=="team" and len(p)==1 and p[0]["phase"]=="Running", s' mine-up.json && ok ||
  bad "pattern up --scenario JSON: $(head -c 400 mine-up.json)"

# Bad scenarios: exit 2, one line naming the key.
printf 'azure: {quota: 5}\n' > bad.yaml
"$bin" run --scenario bad.yaml > /dev/null 2> e.txt; rc=$?
[ "$rc" -eq 2 ] && ok || bad "bad scenario exited $rc"
grep -q 'scenario: azure.quota: expected a map of family: cores' e.txt && ok || bad "bad scenario message: $(cat e.txt)"
"$bin" pattern up --scenario /nonexistent.yaml > /dev/null 2> e.txt; rc=$?
[ "$rc" -eq 2 ] && ok || bad "missing scenario exited $rc"
[ "$(wc -l < e.txt)" -eq 1 ] && ok || bad "more than one line: $(cat e.txt)"
"$bin" pattern --help | grep -q 'status' && ok || bad "pattern --help"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
