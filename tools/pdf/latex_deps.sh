#!/usr/bin/env bash
# The LaTeX toolchain of the PDF edition (make pdf), from Debian's packages only (no tlmgr).
# Checks for what the build uses; when something is missing, installs the packages with
# apt-get if run as root, otherwise says which packages to install and fails.
set -euo pipefail

DEBS=(
  texlive-xetex              # xelatex, fontspec, unicode-math, xeCJK's engine support
  latexmk                    # runs xelatex until the cross-references settle
  texlive-latex-recommended  # Sphinx's LaTeX packages
  texlive-latex-extra        # more of them, and pgfplots/tikz for jupyterBook.cls
  texlive-fonts-recommended  # Latin Modern Math, mathrsfs
  texlive-lang-chinese       # xeCJK, for the glossary's simplified-Chinese terms
  fonts-freefont-otf         # FreeSerif, FreeSans, FreeMono: Sphinx's XeLaTeX fonts
  fonts-noto-cjk             # Noto Serif/Sans CJK SC
  poppler-utils              # pdftotext, pdfimages, pdfinfo (the PDF test)
)

missing=()
for cmd in xelatex latexmk kpsewhich pdftotext pdfimages pdfinfo fc-list; do
  command -v "$cmd" >/dev/null || missing+=("command $cmd")
done
if command -v kpsewhich >/dev/null; then
  for sty in fontspec.sty unicode-math.sty xeCJK.sty ucharclasses.sty pgfplots.sty mathrsfs.sty \
             fncychap.sty tabulary.sty needspace.sty latinmodern-math.otf; do
    [ -n "$(kpsewhich "$sty")" ] || missing+=("$sty")
  done
fi
if command -v fc-list >/dev/null; then
  for font in FreeSerif FreeSans FreeMono "Noto Serif CJK SC" "Noto Sans CJK SC"; do
    fc-list ":family=$font" family | grep -q . || missing+=("font $font")
  done
fi
[ ${#missing[@]} -eq 0 ] && exit 0

printf "make pdf: missing:"; printf " %s;" "${missing[@]}"; echo
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${DEBS[@]}"
else
  echo "Install Debian's LaTeX packages (about 650 MB, no tlmgr), then run make pdf again:"
  echo "    sudo apt-get install -y --no-install-recommends ${DEBS[*]}"
  exit 1
fi
