#!/usr/bin/env bash
# Installs what the tests need on a fresh machine: Go's toolchain is on the
# image; make, openssl and the pinned modules (including the Ginkgo CLI) are fetched.
set -euo pipefail
command -v make >/dev/null || { apt-get update -qq && apt-get install -y -qq make; }
# OpenSSL checks every certificate the PKI generates (emulators/rsp tests).
command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq openssl; }
go version
go mod download
go mod verify
