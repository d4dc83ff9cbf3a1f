#!/usr/bin/env bash
# Re-create src/tandem/static/vendor/* from the versions pinned in its package.json.
# Run after changing a version there; the copied files and their licences are committed.
set -euo pipefail
vendor="$(cd "$(dirname "$0")/../src/tandem/static/vendor" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$vendor/package.json" "$work/"
(cd "$work" && npm install --no-package-lock --no-audit --no-fund --ignore-scripts --silent)
modules="$work/node_modules"

copy() {  # copy <package> <target folder> <file>...; a file's path below dist/ (css/, js/ dropped) is kept
  local package=$1 target=$2 file destination found=""
  shift 2
  rm -rf "${vendor:?}/$target"
  mkdir -p "$vendor/$target"
  for file in "$@"; do
    destination="${file#dist/}"
    destination="${destination#css/}"
    destination="${destination#js/}"
    mkdir -p "$vendor/$target/$(dirname "$destination")"
    cp "$modules/$package/$file" "$vendor/$target/$destination"
  done
  for licence in LICENSE LICENSE.md LICENSE.txt NOTICE; do
    if [ -f "$modules/$package/$licence" ]; then cp "$modules/$package/$licence" "$vendor/$target/"; found=1; fi
  done
  if [ -z "$found" ]; then
    # Some packages ship no licence file; keep the notice their package.json and repository state.
    node -e 'const p=require(process.argv[1]); console.log(`${p.name} ${p.version}\nLicence: ${p.license}\n` +
      `Author: ${typeof p.author === "object" ? p.author.name : p.author || ""}\n` +
      `Source: ${typeof p.repository === "object" ? p.repository.url : p.repository || p.homepage || ""}\n\n` +
      `Permission is hereby granted, free of charge, to any person obtaining a copy of this software and ` +
      `associated documentation files (the "Software"), to deal in the Software without restriction, ` +
      `including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, ` +
      `and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, ` +
      `subject to the following conditions: The above copyright notice and this permission notice shall be ` +
      `included in all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", ` +
      `WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.`)' "$modules/$package/package.json" \
      > "$vendor/$target/LICENSE"
  fi
}

copy @tabler/core tabler dist/css/tabler.min.css dist/js/tabler.min.js
copy @tabler/icons-webfont tabler-icons dist/tabler-icons.min.css \
  dist/fonts/tabler-icons.woff2 dist/fonts/tabler-icons.woff dist/fonts/tabler-icons.ttf
copy echarts echarts dist/echarts.min.js
copy alpinejs alpine dist/cdn.min.js
mv "$vendor/alpine/cdn.min.js" "$vendor/alpine/alpine.min.js"
# Source maps are not shipped; their references would break ManifestStaticFilesStorage.
find "$vendor" \( -name '*.css' -o -name '*.js' \) -exec sed -i 's|/[*/]# sourceMappingURL=[^ ]*\( \*/\)\{0,1\}||' {} +
echo "vendored into $vendor"
