#!/usr/bin/env bash
# Run nbval on the chapters inside an emulated Debian 13 (trixie) arm64 root, to check
# that the stored outputs reproduce on aarch64 (other numpy/OpenBLAS kernels).
# For an x86-64 Debian host, as root; qemu-user runs the arm64 binaries (~10x slower).
#
#   tools/nbval_arm64.sh                          # every notebook in chapters/
#   tools/nbval_arm64.sh chapters/05_xor_mlp.ipynb  # just these
#   BOOK_ARM64_ROOT=/srv/arm64 tools/nbval_arm64.sh
#
# First run: the root (~30-45 min) and its venv (~20 min) on 2 cores; later runs reuse both
# (pip re-installs when requirements.txt or pyproject.toml change, ~5 min). The whole book
# then takes ~30 min. Each run copies the checkout's tracked files (as they are in the work
# tree) into ROOT/root/book and runs pytest there; exits with pytest's status.
set -euo pipefail

ROOTFS=${BOOK_ARM64_ROOT:-/var/tmp/book-arm64}  # the arm64 root, kept between runs
SUITE=${BOOK_ARM64_SUITE:-trixie}
MIRROR=${BOOK_ARM64_MIRROR:-http://deb.debian.org/debian}
CELL_TIMEOUT=${BOOK_ARM64_CELL_TIMEOUT:-3000}   # seconds; emulated cells are slow
REPO=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)

[[ $(id -u) == 0 ]] || { echo "nbval_arm64.sh: run as root (debootstrap, mount, chroot)" >&2; exit 1; }

# Notebook arguments, relative to the repository (default: the chapters directory).
targets=()
for nb in "$@"; do targets+=("$(realpath --relative-to="$REPO" "$nb")"); done
((${#targets[@]})) || targets=(chapters)

# --- (a) host tools, binfmt, and the arm64 root (made once) --------------------------
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
command -v update-binfmts >/dev/null || missing+=(binfmt-support)
if ((${#missing[@]})); then
  apt-get update -q && apt-get install -y -q "${missing[@]}"
fi
# The kernel must hand aarch64 ELF files to qemu (containers may lack binfmt_misc).
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
[[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || update-binfmts --enable qemu-aarch64

if [[ ! -e $ROOTFS/.bootstrapped ]]; then
  echo "== creating the Debian $SUITE arm64 root in $ROOTFS"
  # a half-made root (interrupted debootstrap): remove it, never crossing into a mounted /proc or /dev
  if [[ -d $ROOTFS ]]; then
    for fs in proc sys dev; do umount -R "$ROOTFS/$fs" 2>/dev/null || true; done
    rm -rf --one-file-system "$ROOTFS"
  fi
  debootstrap --arch=arm64 --variant=minbase \
    --include=python3,python3-venv,python3-pip,make,git,ca-certificates "$SUITE" "$ROOTFS" "$MIRROR"
  touch "$ROOTFS/.bootstrapped"
fi

# The host's DNS, CA bundle and pip settings (index, proxy, certificates) serve the root too.
cp -L /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
cp -L /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
[[ -e /etc/pip.conf ]] && cp /etc/pip.conf "$ROOTFS/etc/pip.conf"
[[ -d /etc/xdg/pip ]] && mkdir -p "$ROOTFS/etc/xdg" && cp -r /etc/xdg/pip "$ROOTFS/etc/xdg/"
[[ -e /root/.config/pip/pip.conf ]] && mkdir -p "$ROOTFS/root/.config/pip" &&
  cp /root/.config/pip/pip.conf "$ROOTFS/root/.config/pip/pip.conf"

# /proc, /sys and /dev inside the root, unmounted again on exit.
mounted=()
for fs in proc sys dev; do
  mountpoint -q "$ROOTFS/$fs" && continue
  case $fs in
    proc) mount -t proc proc "$ROOTFS/proc" ;;
    sys) mount -t sysfs sys "$ROOTFS/sys" ;;
    dev) mount --rbind /dev "$ROOTFS/dev" && mount --make-rslave "$ROOTFS/dev" ;;
  esac
  mounted+=("$ROOTFS/$fs")
done
# shellcheck disable=SC2317  # (run by the EXIT trap)
unmount() { for m in "${mounted[@]}"; do umount -R "$m" 2>/dev/null || umount -R -l "$m" || true; done; }
trap unmount EXIT

in_root() {  # run a command in the root with a clean environment
  chroot "$ROOTFS" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/root/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 \
    OPENBLAS_NUM_THREADS=1 PYTHONHASHSEED=0 "$@"
}
echo "== $(in_root uname -m), $(in_root python3 --version), Debian $(cat "$ROOTFS/etc/debian_version")"

# --- (b) the checkout's tracked files, as they are in the work tree ------------------
rm -rf "$ROOTFS/root/book"
mkdir -p "$ROOTFS/root/book"
git -C "$REPO" ls-files -z | tar -C "$REPO" --null -T - --ignore-failed-read -cf - |
  tar -C "$ROOTFS/root/book" -xf -
echo "== copied $(git -C "$REPO" describe --always --dirty) (tracked files of the work tree) to $ROOTFS/root/book"

# --- (c) the venv: made once, re-installed when requirements.txt or pyproject.toml change --
# (pip installs only the pins that changed; BOOK_ARM64_FRESH_VENV=1 starts from an empty venv)
stamp=$(cat "$REPO/requirements.txt" "$REPO/pyproject.toml" | sha256sum | cut -d' ' -f1)
if [[ ${BOOK_ARM64_FRESH_VENV:-0} == 1 || ! -x $ROOTFS/root/venv/bin/python ]]; then
  rm -rf "$ROOTFS/root/venv"
  in_root python3 -m venv /root/venv
fi
if [[ $(cat "$ROOTFS/root/venv/.stamp" 2>/dev/null) != "$stamp" ]]; then
  echo "== installing requirements.txt into the venv (~20 min the first time)"
  # --no-compile: byte-compiling every installed file under emulation takes longer than the install
  in_root sh -c 'cd /root/book && pip install -q --no-compile -r requirements.txt &&
    pip install -q --no-compile --no-deps -e . && pip check'
  echo "$stamp" >"$ROOTFS/root/venv/.stamp"
fi

# matplotlib's first import builds its font cache and, when that takes over 5 s (it does
# under emulation), says so on stderr, which would fail the first plotting cell.
in_root python -c 'import matplotlib.pyplot'

# --- (d) nbval (the options of tools/nbval_levels.py, with a longer cell timeout) ----
echo "== nbval on ${targets[*]} (OPENBLAS_NUM_THREADS=1 PYTHONHASHSEED=0)"
start=$SECONDS
status=0
in_root sh -c 'cd /root/book && exec python -m pytest "$@"' sh \
  --nbval --nbval-current-env --nbval-sanitize-with=tests/nbval_sanitize.cfg \
  --nbval-cell-timeout="$CELL_TIMEOUT" -p no:cacheprovider -q "${targets[@]}" || status=$?
echo "== nbval on arm64: exit $status after $((SECONDS - start)) s"
exit "$status"
