#!/usr/bin/env bash
# Installs the Debian packages that derive's export and HTML tests need, only when missing:
#   pdflatex              <- texlive-latex-base texlive-latex-recommended
#   kotex (pdflatex)      <- texlive-lang-korean       (Hangul in the handout under pdflatex)
#   xelatex, xetexko      <- texlive-xetex texlive-lang-korean
#   Noto CJK fonts        <- fonts-noto-cjk            (Hangul under xelatex, and in Chromium screenshots)
#   pdftotext, pdftoppm   <- poppler-utils             (the tests read and render the compiled handout)
#   chromium              <- chromium
#   bwrap, libseccomp     <- bubblewrap libseccomp2  (the --run-code sandbox's namespaces and filter)
# Runs `apt-get update` at most once.  Quiet and idempotent when everything is already present.
set -euo pipefail

updated=0
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

apt_install() {
  if [ "$updated" -eq 0 ]; then
    echo "system-packages: apt-get update"
    "${sudo_cmd[@]}" apt-get update -q
    updated=1
  fi
  echo "system-packages: installing $*"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "$@"
}

have_cjk_font() {
  # (no `| grep -q` here: under pipefail an early grep exit can fail the pipeline)
  [ "$(dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null || true)" = "install ok installed" ] ||
    { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list 'Noto Serif CJK KR' 2>/dev/null || true)" ]; }
}

have_tex_file() {
  command -v kpsewhich >/dev/null 2>&1 && [ -n "$(kpsewhich "$1" 2>/dev/null || true)" ]
}

missing=()
command -v pdflatex >/dev/null 2>&1 || missing+=(texlive-latex-base texlive-latex-recommended)
command -v xelatex >/dev/null 2>&1 || missing+=(texlive-xetex)
{ have_tex_file kotex.sty && have_tex_file xetexko.sty; } || missing+=(texlive-lang-korean)
have_cjk_font || missing+=(fonts-noto-cjk)
{ command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; } || missing+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
[ "$(dpkg-query -W -f='${Status}' libseccomp2 2>/dev/null || true)" = "install ok installed" ] || missing+=(libseccomp2)

if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi

# kpsewhich only runs once pdflatex is there: check kotex again after a first install.
if ! have_tex_file kotex.sty || ! have_tex_file xetexko.sty; then
  apt_install texlive-lang-korean
fi

if [ "$updated" -eq 1 ]; then
  echo "system-packages: done"
fi
