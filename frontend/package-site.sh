#!/usr/bin/env bash
# Turns the two wasm builds into the site's pkg/ (run by `make site`, which builds them first):
#   - wasm-bindgen, then wasm-opt -Oz, for the dashboard bundle (`plumb`) and the widget's (`widget`);
#   - every JS, wasm and CSS file renamed `<name>.<first 16 hex digits of its SHA-256>.<ext>`, so
#     the server can let browsers cache it for a year (server/src/http/site.rs);
#   - a `.br` (brotli -q 11) and a `.gz` (gzip -9 -n) beside each, served precompressed;
#   - pkg/manifest.txt: `<unhashed name> <hashed name>` per line, which the server reads at start.
# plumb.css also stays under its plain name for the OAuth flow's small server-written pages.
#
# Each build goes to its own pkg.<stamp> directory and `pkg` is a symbolic link switched to it in
# one rename, so the server never sees half a site. The previous build stays (a page rendered just
# before the switch can still load its files); older ones are deleted.
#
# Usage: package-site.sh SITE_DIR WASM_DIR WASM_BINDGEN WASM_OPT
set -euo pipefail

site=$1 wasm_dir=$2 wasm_bindgen=$3 wasm_opt=$4
here=$(dirname "$0")
css=$here/../style/main.css
# Output name of each bundle, and the wasm file cargo built for it.
declare -A bundles=([plumb]=$wasm_dir/frontend.wasm [widget]=$wasm_dir/widget.wasm)

for tool in "$wasm_bindgen" "$wasm_opt" brotli gzip sha256sum; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing (make deps installs it)" >&2; exit 1; }
done
for input in "${bundles[@]}" "$css"; do
  [ -f "$input" ] || { echo "error: $input is missing" >&2; exit 1; }
done

# Nothing to do when the inputs (and this script) are those of the current build.
stamp=$(sha256sum "${bundles[@]}" "$css" "$0" | sha256sum | cut -c1-16)
if [ -L "$site/pkg" ] && [ "$(readlink "$site/pkg")" = "pkg.$stamp" ] && [ -f "$site/pkg/manifest.txt" ]; then
  echo "$site/pkg is up to date"
  exit 0
fi

mkdir -p "$site"
out=$site/pkg.$stamp
rm -rf "$out" "$out.tmp"
mkdir "$out.tmp"
for name in "${!bundles[@]}"; do
  "$wasm_bindgen" --target web --no-typescript --remove-name-section --out-name "$name" \
    --out-dir "$out.tmp" "${bundles[$name]}"
  "$wasm_opt" -Oz "$out.tmp/${name}_bg.wasm" -o "$out.tmp/${name}_bg.opt.wasm"
  mv "$out.tmp/${name}_bg.opt.wasm" "$out.tmp/${name}_bg.wasm"
done
[ ! -e "$out.tmp/snippets" ] || { echo "error: wasm-bindgen wrote snippets/, which this script does not hash" >&2; exit 1; }
cp "$css" "$out.tmp/plumb.css"

manifest=$out.tmp/manifest.txt
: >"$manifest"
for file in plumb.js plumb_bg.wasm widget.js widget_bg.wasm plumb.css; do
  hash=$(sha256sum "$out.tmp/$file" | cut -c1-16)
  hashed=${file%.*}.$hash.${file##*.}
  if [ "$file" = plumb.css ]; then cp "$out.tmp/$file" "$out.tmp/$hashed"; else mv "$out.tmp/$file" "$out.tmp/$hashed"; fi
  brotli -q 11 -f -k "$out.tmp/$hashed"
  gzip -9 -n -f -k "$out.tmp/$hashed"
  echo "$file $hashed" >>"$manifest"
done
mv "$out.tmp" "$out"

# A real directory from an older Makefile cannot be replaced by a link in one rename.
previous=none
if [ -L "$site/pkg" ]; then previous=$(readlink "$site/pkg"); else rm -rf "$site/pkg"; fi
ln -sfn "pkg.$stamp" "$site/pkg.link"
mv -T "$site/pkg.link" "$site/pkg"
find "$site" -maxdepth 1 -name 'pkg.*' ! -name "pkg.$stamp" ! -name "$previous" -exec rm -rf {} +
echo "Built $site/pkg:"
for name in "${!bundles[@]}"; do
  wasm=$(awk -v f="${name}_bg.wasm" '$1 == f { print $2 }' "$out/manifest.txt")
  echo "  $name: $(stat -c %s "$out/$wasm") bytes of wasm, $(stat -c %s "$out/$wasm.br") after brotli"
done
