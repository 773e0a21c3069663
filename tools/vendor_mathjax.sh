#!/usr/bin/env bash
# Put a pinned MathJax 3 into _vendor/mathjax so the book renders math offline.
#
# The HTML build serves _vendor/ through html_extra_path (see _config.yml), and
# every page loads _vendor/mathjax/tex-mml-chtml.js instead of a CDN copy.
# Third-party files are never committed: _vendor/ is gitignored and this script
# recreates it from the npm registry. Safe to run repeatedly: it returns at once
# when the marker file says the pinned version is already in place.
set -euo pipefail

MATHJAX_VERSION=3.2.2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/_vendor/mathjax"
MARKER="$DEST/.version"   # the Makefile uses this file as its target

if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$MATHJAX_VERSION" && -f "$DEST/tex-mml-chtml.js" ]]; then
    touch "$MARKER"   # newer than this script, so make considers the target up to date
    echo "vendor_mathjax: mathjax $MATHJAX_VERSION already in $DEST"
    exit 0
fi

command -v npm >/dev/null || { echo "vendor_mathjax: npm is required (apt-get install npm)" >&2; exit 1; }

mkdir -p "$ROOT/_vendor"
TMP="$(mktemp -d)"
# Staged on the same file system as the destination, so the final mv is a rename and
# an interrupted run never leaves a half-filled _vendor/mathjax that looks complete.
STAGE="$(mktemp -d "$ROOT/_vendor/.mathjax-staging.XXXXXX")"
trap 'rm -rf "$TMP" "$STAGE"' EXIT

echo "vendor_mathjax: fetching mathjax@$MATHJAX_VERSION"
(cd "$TMP" && npm pack --silent "mathjax@$MATHJAX_VERSION" >/dev/null && tar xzf "mathjax-$MATHJAX_VERSION.tgz")
SRC="$TMP/package"
actual="$(node -p "require('$SRC/package.json').version" 2>/dev/null || true)"
if [[ -n "$actual" && "$actual" != "$MATHJAX_VERSION" ]]; then
    echo "vendor_mathjax: expected mathjax $MATHJAX_VERSION, got $actual" >&2
    exit 1
fi

mkdir -p "$STAGE/output/chtml/fonts" "$STAGE/input/tex"
cp "$SRC/es5/tex-mml-chtml.js" "$SRC/LICENSE" "$STAGE/"
cp -r "$SRC/es5/output/chtml/fonts/woff-v2" "$STAGE/output/chtml/fonts/"
cp -r "$SRC/es5/input/tex/extensions" "$STAGE/input/tex/"   # autoloaded TeX packages (\boldsymbol, \cancel, ...)
echo "$MATHJAX_VERSION" > "$STAGE/.version"

chmod 755 "$STAGE"   # mktemp makes it 700
rm -rf "$DEST"
mv "$STAGE" "$DEST"
echo "vendor_mathjax: installed mathjax $MATHJAX_VERSION in $DEST"
