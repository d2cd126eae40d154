#!/usr/bin/env bash
# Lint and test the Rego policies: `opa fmt` (no diff), `opa check --strict`,
# `opa test`, then `opa test --coverage` over the policy files (tests
# excluded from the figure). Fails when coverage is below the threshold.
#   usage: tools/policy-test.sh [policy-dir] [library-dir...]   (default: policies)
# A library dir (e.g. packages/policy/rego, the shipped base policy) adds its
# policy files, never its tests or data; its lines are left out of the
# coverage figure (the library has its own run).
#   env:   TESSERA_POLICY_COVERAGE_MIN (default 90)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-$root/policies}"
libs=("${@:2}")
min="${TESSERA_POLICY_COVERAGE_MIN:-90}"
opa="$(bash "$root/tools/opa.sh")"

# Only sources and tests: never a build output, hidden or node_modules dir, or the Nx project file.
sources_of() {
  find "$1" \( -name build -o -name node_modules -o -name '.*' ! -name . \) -prune -o -type f "${@:2}" -print | sort
}
mapfile -t files < <(sources_of "$dir" \( -name '*.rego' -o -name 'data.json' \))
lib_files=()
for lib in "${libs[@]}"; do
  mapfile -t -O "${#lib_files[@]}" lib_files < <(sources_of "$lib" -name '*.rego' ! -name '*_test.rego')
done
if [[ ${#files[@]} -eq 0 ]]; then
  echo "policy-test: no .rego files in $dir" >&2
  exit 1
fi

rego=()
for f in "${files[@]}"; do [[ "$f" == *.rego ]] && rego+=("$f"); done
unformatted="$("$opa" fmt --list "${rego[@]}" 2>&1 || true)"
if [[ -n "$unformatted" ]]; then
  echo "policy-test: not formatted (run: $opa fmt -w $dir):" >&2
  echo "$unformatted" >&2
  exit 1
fi

"$opa" check --strict "${files[@]}" "${lib_files[@]}"
"$opa" test "${files[@]}" "${lib_files[@]}"

"$opa" test --coverage "${files[@]}" "${lib_files[@]}" | node -e '
  const report = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const min = Number(process.argv[1]);
  const libs = new Set(process.argv.slice(2));
  let covered = 0, missed = 0;
  const rows = (ranges) => {
    const set = new Set();
    for (const r of ranges ?? []) for (let i = r.start.row; i <= r.end.row; i++) set.add(i);
    return set;
  };
  for (const [file, f] of Object.entries(report.files ?? {})) {
    if (file.endsWith("_test.rego") || libs.has(file)) continue;
    const miss = rows(f.not_covered);
    covered += [...rows(f.covered)].filter((r) => !miss.has(r)).length;
    missed += miss.size;
    if (miss.size) console.error(`  not covered: ${file}: lines ${[...miss].sort((a, b) => a - b).join(",")}`);
  }
  const pct = covered + missed === 0 ? 0 : (100 * covered) / (covered + missed);
  console.log(`policy coverage: ${pct.toFixed(1)}% of policy lines (threshold ${min}%; opa overall incl. tests ${Number(report.coverage).toFixed(1)}%)`);
  if (pct < min) { console.error(`policy-test: coverage ${pct.toFixed(1)}% is below ${min}%`); process.exit(1); }
' "$min" "${lib_files[@]}"
