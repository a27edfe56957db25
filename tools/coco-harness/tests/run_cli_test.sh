#!/usr/bin/env bash
# `coco-harness run` as the README runs it: the embedded stack, every suite for every attester, the pattern
# suite on the default scenario, the summary and the three reports; exit codes and JSON output.
# Usage: run_cli_test.sh <coco-harness binary> <key cache dir>
set -uo pipefail
bin=$1 cache=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$bin" run --key-cache "$cache" > out.txt 2> err.txt
rc=$?
[ "$rc" -eq 0 ] && ok || bad "run exited $rc: $(grep -E '^FAIL' out.txt | head -5)"
grep -q '^coco-harness run against embedded: [0-9]* passed, 0 failed' out.txt && ok || bad "summary: $(head -1 out.txt)"
grep -q '^PASS: every required case passed' out.txt && ok || bad "no PASS line"
dir=$(sed -n 's|^reports: \(.*\)/{junit.xml,results.json,report.html}$|\1|p' out.txt)
[ -n "$dir" ] && ok || bad "the summary names no report folder"
for f in junit.xml results.json report.html; do [ -s "$dir/$f" ] && ok || bad "no $dir/$f"; done
grep -q '<testsuites name="coco-harness"' "$dir/junit.xml" && ok || bad "junit.xml is not JUnit"
grep -q 'id="matrix"' "$dir/report.html" && ok || bad "report.html has no matrix"
grep -q '"ok": true' "$dir/results.json" && ok || bad "results.json summary is not ok"
grep -q '^\[[0-9]*/[0-9]*\] policy_denial \[snp\]' err.txt && ok || bad "no progress lines: $(head -3 err.txt)"
grep -q '^  pattern  *az-snp-vtpm  *[0-9]* passed, 0 failed' out.txt && ok || bad "no pattern suite row in the summary"
grep -q '"id": "pattern.kbs_access_reads_key3"' "$dir/results.json" && ok || bad "results.json has no pattern cases"
n=$(grep -c '"id": "policy_denial\.' "$dir/results.json")
[ "$n" -ge 60 ] && ok || bad "only $n policy_denial results (sample + snp)"

# One case, JSON on stdout, a chosen folder.
"$bin" --json run --key-cache "$cache" --attester snp --only policy_denial.forged_report_signature \
  --reports one > one.json 2>/dev/null && ok || bad "run --only exited non-zero"
grep -q '"reports_dir": "one"' one.json && ok || bad "--json output lacks reports_dir"
grep -q '"total": 1' one.json && ok || bad "--only ran more than one case"

# The embedded KBS with the protocol document's status codes (Trustee issue 1419): the suites expect them.
"$bin" -q run --key-cache "$cache" --status-mapping issue-1419 --only protocol. --only policy_denial. \
  --reports r1419 > r1419.txt 2>&1 && ok || bad "run --status-mapping issue-1419: $(grep FAIL r1419.txt | head -3)"
grep -q '"status-mapping": "issue-1419"' r1419/results.json && ok || bad "results.json does not record the mapping"

# Bad input: exit 2 and one line saying what to fix.
"$bin" run --key-cache "$cache" --only no.such.case > /dev/null 2> e.txt; rc=$?
[ "$rc" -eq 2 ] && ok || bad "--only no.such.case exited $rc"
"$bin" run --attester quantum > /dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && ok || bad "--attester quantum exited $rc"
"$bin" run --help | grep -q -- '--kbs-url' && ok || bad "run --help does not document --kbs-url"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
