#!/usr/bin/env bash
# Formats the C++ sources in place with the repository's .clang-format.
#   scripts/format.sh --check   only report (exit 1 on any difference)
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- 'src/*.cpp' 'src/*.h' 'src/*.inc' \
  'tests/*.cpp' 'tests/*.h' 'trainer/*.cpp' 'trainer/*.h' 'bench/*.cpp' 'bench/*.h' | sort -u)
if [ "${1:-}" = "--check" ]; then
  clang-format --dry-run --Werror "${files[@]}"
  echo "format: ${#files[@]} files are clang-formatted"
else
  clang-format -i "${files[@]}"
fi
