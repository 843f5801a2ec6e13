#!/usr/bin/env bash
# The tests drive real tools: kubectl and curl against the sandbox, tmux for the terminal UI.
# Install whichever is missing from Debian's packages (kubectl is usually on the machine image;
# Debian's kubernetes-client is the fallback), or say what to install when we cannot.
set -euo pipefail
missing=()
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing test tools: ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "The tests need these Debian packages: ${missing[*]} (install them, e.g. with sudo apt-get install ${missing[*]})." >&2
  exit 1
fi
