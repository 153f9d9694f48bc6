#!/usr/bin/env bash
# The GitHub Action's logic (action.yml runs it; the tests run it with a stand-in gh):
# diff every payload against the pull request's merge base, write the Markdown to the step
# summary, create or update ONE pull-request comment (found again by its hidden marker), and
# exit as claude-cost did (1: a budget broke; 2: a payload could not be estimated).
set -uo pipefail

marker='<!-- claude-cost:diff -->'
base_ref="${CC_BASE_REF:-}"
if [ -z "$base_ref" ]; then
  echo "claude-cost: no base ref: run on pull_request events, or set the base-ref input" >&2
  exit 2
fi
ref="$base_ref"
git rev-parse --verify -q "origin/$base_ref^{commit}" >/dev/null && ref="origin/$base_ref"
# what the pull request changed, not what the base branch did since it forked
if ! base=$(git merge-base "$ref" HEAD); then
  echo "claude-cost: no merge base of $ref and HEAD: check out with fetch-depth: 0" >&2
  exit 2
fi

args=(diff --rev "$base" --format markdown --count "${CC_COUNT:-auto}")
[ -n "${CC_CONFIG:-}" ] && args+=(--config "$CC_CONFIG")
[ -n "${CC_MAX_INCREASE:-}" ] && args+=(--max-increase "$CC_MAX_INCREASE")
[ -n "${CC_MAX_INCREASE_PER_REQUEST:-}" ] && args+=(--max-increase-per-request "$CC_MAX_INCREASE_PER_REQUEST")
read -r -a paths <<< "${CC_PATHS:-}"

report=$(mktemp)
claude-cost "${args[@]}" "${paths[@]}" > "$report"
code=$?
[ -s "$report" ] || exit "$code"   # nothing to show: the error is on stderr

[ -n "${GITHUB_STEP_SUMMARY:-}" ] && cat "$report" >> "$GITHUB_STEP_SUMMARY"

if [ "${CC_COMMENT:-true}" = "true" ] && [ -n "${CC_PR:-}" ]; then
  id=$(gh api "repos/$CC_REPO/issues/$CC_PR/comments" --paginate \
         --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
  if [ -n "$id" ]; then
    gh api -X PATCH "repos/$CC_REPO/issues/comments/$id" -F "body=@$report" > /dev/null
  else
    gh api -X POST "repos/$CC_REPO/issues/$CC_PR/comments" -F "body=@$report" > /dev/null
  fi || echo "claude-cost: could not comment on the pull request (permissions: pull-requests: write)" >&2
fi
exit "$code"
