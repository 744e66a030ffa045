#!/usr/bin/env bash
# Installs what the tests need on a fresh machine: Go's toolchain is on the
# image; make, openssl (checks every certificate the PKI generates,
# emulators/rsp tests), ser2net (Debian's, 4.x: the lab specs and transport
# tests export the emulator's pty through it), chromium (Debian's: the
# timeline and index pages are opened headless in harness/timeline and
# harness/report tests) and the pinned modules (including the Ginkgo CLI)
# are fetched.
set -euo pipefail
missing=()
command -v make >/dev/null || missing+=(make)
command -v openssl >/dev/null || missing+=(openssl)
command -v ser2net >/dev/null || [ -x /usr/sbin/ser2net ] || missing+=(ser2net)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
go version
/usr/sbin/ser2net -v 2>/dev/null || ser2net -v
chromium --version
go mod download
go mod verify
