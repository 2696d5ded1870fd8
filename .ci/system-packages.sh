#!/usr/bin/env bash
# Installs the Debian packages that derive's export and HTML tests need, only when missing:
#   pdflatex  <- texlive-latex-base texlive-latex-recommended
#   chromium  <- chromium fonts-noto-cjk   (CJK fonts so Korean lecture text renders in screenshots)
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
    { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ko 2>/dev/null || true)" ]; }
}

if ! command -v pdflatex >/dev/null 2>&1; then
  apt_install texlive-latex-base texlive-latex-recommended
fi

if ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium fonts-noto-cjk
elif ! have_cjk_font; then
  apt_install fonts-noto-cjk
fi

if [ "$updated" -eq 1 ]; then
  echo "system-packages: done"
fi
