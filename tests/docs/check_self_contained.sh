#!/usr/bin/env bash
# The repository is all a user gets: no file may point outside it (to ../shared or the
# contract files an earlier layout kept there), so that what docs/ says is the whole story.
#   tests/docs/check_self_contained.sh SOURCE_DIR
set -euo pipefail
cd "$1"
pattern='\.\./shared|shared/spec|shared/(DATASETS|TOOLCHAIN|STYLE)|\b(MANET|CHECKPOINT|INTERFACE|DATASETS|TOOLCHAIN|STYLE)\.md\b'
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files --cached --others --exclude-standard)
else
  files=$(find . -type f -not -path './.git/*' -not -path './build*' | sed 's|^\./||')
fi
[[ -n $files ]] || { echo "check_self_contained: no files found under $1: nothing was checked" >&2; exit 1; }
self=tests/docs/check_self_contained.sh
hits=$(printf '%s\n' "$files" | grep -v -x "$self" | while IFS= read -r f; do
  [[ -f $f ]] && grep -I -n -H -E "$pattern" "$f" || true
done)
if [[ -n $hits ]]; then
  echo "files that point outside the repository (say it in docs/ instead):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "check_self_contained: $(printf '%s\n' "$files" | wc -l) files, none points outside the repository"
