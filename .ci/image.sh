#!/usr/bin/env bash
# Build the container image with podman and run its command from the image's file system.
#
# There is no container engine on the CI machines and no image registry, so:
#   1. a stand-in for the python:3.11-slim base is made from Debian's own packages
#      (debootstrap + python3 + a venv at /opt/py), cached under $IMAGE_CACHE;
#   2. the Dockerfile is built with podman (chroot isolation, host network) with
#      --build-arg BASE=<the stand-in>;
#   3. the image's file system is exported and its command (CMD, in WORKDIR, with the
#      image's environment) runs under chroot as the image's user, bound to a loopback
#      port; /health, the page and a PDF export made inside the image are checked.
# Prints the image size, the build time and the start-up time; cleans up on exit.
# Needs root, podman and debootstrap (apt-get install -y podman debootstrap).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${IMAGE_CACHE:-/var/cache/spinglass-landscapes-image}
BASE_IMAGE=${BASE_IMAGE:-localhost/debian-python:3.11-bookworm}
IMAGE=${IMAGE:-localhost/spinglass-landscapes:ci}
PORT=${IMAGE_PORT:-18050}
SUITE=bookworm

log() { printf '[image] %s\n' "$*"; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

for tool in podman debootstrap curl; do
  command -v "$tool" >/dev/null || { echo "image.sh: $tool is missing (apt-get install -y podman debootstrap curl)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "image.sh: run as root (podman build, chroot, mount)" >&2; exit 1; }
mkdir -p "$CACHE"

# ---------------------------------------------------------------- 1. the stand-in base
mirror() {
  # The Debian archive apt already uses (deb822 sources first, then the one-line format).
  local uri
  uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

if ! podman image exists "$BASE_IMAGE"; then
  tarball="$CACHE/base-$SUITE.tar"
  if [ ! -s "$tarball" ]; then
    t0=$(now)
    root="$CACHE/rootfs.tmp"
    rm -rf "$root"
    log "debootstrap $SUITE from $(mirror)"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
      "$SUITE" "$root" "$(mirror)" >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$CACHE/debootstrap.log"; exit 1; }
    chroot "$root" python3 -m venv /opt/py
    # pip inside the image checks the registry against the same CA bundle as the host's pip.
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$root/etc/pip.conf"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
    log "base file system made in $(since "$t0") s"
  fi
  tar -xOf "$tarball" ./etc/debian_version >/dev/null
  podman import --change "ENV PATH=/opt/py/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "$tarball" "$BASE_IMAGE" >/dev/null 2>&1
fi
log "base image: $BASE_IMAGE ($(podman image inspect --format '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"

# ---------------------------------------------------------------- 2. the build
t0=$(now)
podman build --isolation=chroot --network host --build-arg "BASE=$BASE_IMAGE" -t "$IMAGE" . \
  >"$CACHE/build.log" 2>&1 || { tail -40 "$CACHE/build.log"; exit 1; }
build_s=$(since "$t0")
size_mb=$(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.0f", $1/1e6}')
log "built $IMAGE in $build_s s (podman layer cache may apply); image size $size_mb MB"

# ---------------------------------------------------------------- 3. run it
work=$(mktemp -d /var/tmp/spinglass-image.XXXXXX)
rootfs="$work/rootfs"
ctr=""
pid=""
cleanup() {
  set +e
  if [ -n "$pid" ]; then
    kill -TERM -- "-$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null
  fi
  for m in "$rootfs/dev/shm" "$rootfs/dev" "$rootfs/proc"; do
    mountpoint -q "$m" && { umount "$m" || umount -l "$m"; }
  done
  [ -n "$ctr" ] && podman rm -f "$ctr" >/dev/null 2>&1
  # Never delete through a mount (the bind of /dev above): only when none is left.
  if grep -q " $rootfs/" /proc/mounts; then
    echo "image.sh: mounts remain under $rootfs; not deleting $work" >&2
  else
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT

mkdir -p "$rootfs"
ctr=$(podman create "$IMAGE")
podman export "$ctr" | tar -C "$rootfs" -x
podman rm "$ctr" >/dev/null
ctr=""
mount --bind /dev "$rootfs/dev"
mount -t tmpfs -o mode=1777 shm "$rootfs/dev/shm"
mount -t proc proc "$rootfs/proc"

# The image's own configuration: user, working folder, environment and command.
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
workdir=$(podman image inspect --format '{{.Config.WorkingDir}}' "$IMAGE")
mapfile -t envs < <(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | sed '/^$/d')
mapfile -t cmd < <(podman image inspect --format '{{json .Config.Cmd}}' "$IMAGE" \
  | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)))')
[ -n "$user" ] && [ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ] || { echo "image.sh: the image runs as root" >&2; exit 1; }
case "$user" in *:*) ;; *) user="$user:$user" ;; esac
# Same command, bound to a loopback port instead of 0.0.0.0:8050.
for i in "${!cmd[@]}"; do [ "${cmd[$i]}" = "0.0.0.0:8050" ] && cmd[$i]="127.0.0.1:$PORT"; done
log "command as $user in $workdir: ${cmd[*]}"

uid=${user%%:*}
home=$(awk -F: -v u="$uid" '$3 == u {print $6}' "$rootfs/etc/passwd")
in_image() {  # in_image CMD...: run CMD in the image's file system as its user (like the engine would)
  chroot --userspec="$user" "$rootfs" env -i HOME="${home:-/}" "${envs[@]}" sh -c 'cd "$0" && exec "$@"' "$workdir" "$@"
}

t0=$(now)
# setsid: the server gets its own session (its id is $pid), so it is stopped as a whole.
setsid chroot --userspec="$user" "$rootfs" env -i HOME="${home:-/}" "${envs[@]}" \
  sh -c 'cd "$0" && exec "$@"' "$workdir" "${cmd[@]}" >"$work/server.log" 2>&1 &
pid=$!
up=""
for _ in $(seq 600); do
  if curl -fsS "http://127.0.0.1:$PORT/health" -o "$work/health.json" 2>/dev/null; then up=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$up" ]; then cat "$work/server.log"; echo "image.sh: the server did not answer /health" >&2; exit 1; fi
startup_s=$(since "$t0")
log "/health after $startup_s s: $(cat "$work/health.json")"

uids=$(ps -o uid= --sid "$pid" | tr -d ' ' | sort -u | tr '\n' ' ')
nproc_=$(ps -o pid= --sid "$pid" | wc -l)
log "$nproc_ server processes (gunicorn master and workers), uid: $uids"
[ "$uids" = "$uid " ] || { echo "image.sh: expected uid $uid only, got $uids" >&2; exit 1; }

curl -fsS "http://127.0.0.1:$PORT/" -o "$work/page.html"
grep -q "<title>Spin-glass loss landscapes</title>" "$work/page.html" || { echo "image.sh: page title missing" >&2; exit 1; }
curl -fsS "http://127.0.0.1:$PORT/_dash-layout" -o "$work/layout.json"
log "page and layout served ($(wc -c <"$work/page.html") + $(wc -c <"$work/layout.json") bytes)"

# PDF export with the image's Chromium, as the image's user.
t0=$(now)
in_image python -c '
from components.export import figure_pdf
pdf = figure_pdf({"data": [{"type": "scatter", "x": [0, 1, 2], "y": [1, 0, 2]}], "layout": {"title": {"text": "check"}}})
assert pdf[:5] == b"%PDF-", pdf[:20]
print(len(pdf))
' >"$work/pdf.out" 2>&1 || { cat "$work/pdf.out"; echo "image.sh: PDF export failed in the image" >&2; exit 1; }
log "PDF export inside the image: $(tail -1 "$work/pdf.out") bytes in $(since "$t0") s"
printf 'image: size_mb=%s build_s=%s startup_s=%s\n' "$size_mb" "$build_s" "$startup_s"
