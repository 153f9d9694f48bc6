#!/usr/bin/env bash
# GitLab merge requests: diff every payload against the merge base with the target branch, and
# create or update ONE merge-request note (found again by its hidden marker) through the API.
# Extra arguments go to `claude-cost diff` (e.g. --max-increase 10%). Needs GITLAB_TOKEN and the
# CI_* variables GitLab sets on merge-request pipelines; exits as claude-cost did.
set -uo pipefail

marker='<!-- claude-cost:diff -->'
base=$(git merge-base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" HEAD) || {
  echo "claude-cost: no merge base with origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME (set GIT_DEPTH: 0)" >&2
  exit 2
}
report=$(mktemp)
claude-cost diff --rev "$base" --format markdown "$@" > "$report"
code=$?
[ -s "$report" ] || exit "$code"

api="$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"
auth="PRIVATE-TOKEN: $GITLAB_TOKEN"
id=$(curl --silent --fail --header "$auth" "$api?per_page=100" |
     python3 -c 'import json, sys; m = sys.argv[1]; print(next((str(n["id"]) for n in json.load(sys.stdin) if n.get("body", "").startswith(m)), ""))' "$marker")
body=$(python3 -c 'import json, sys; print(json.dumps({"body": open(sys.argv[1]).read()}))' "$report")
if [ -n "$id" ]; then
  curl --silent --fail --request PUT --header "$auth" --header "Content-Type: application/json" --data "$body" "$api/$id" > /dev/null
else
  curl --silent --fail --request POST --header "$auth" --header "Content-Type: application/json" --data "$body" "$api" > /dev/null
fi || echo "claude-cost: could not write the merge-request note (GITLAB_TOKEN needs the api scope)" >&2
exit "$code"
