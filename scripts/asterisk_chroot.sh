#!/usr/bin/env bash
# A real Asterisk 22 for ringmon's tests: Debian 12 has none, Debian sid has it.
#
#   scripts/asterisk_chroot.sh build
#       Build (or reuse) a sid chroot with asterisk, print its path. Cached in
#       $RINGMON_ASTERISK_ROOT (default /var/cache/ringmon-asterisk), outside the repository.
#       Exit 3 when the package registry cannot provide the sid packages (the reason is
#       printed on stderr), 1 on any other failure.
#   scripts/asterisk_chroot.sh run NAME
#       Render contrib/asterisk/*.conf into a private instance folder NAME inside the chroot
#       and run `asterisk -f -n` there in the foreground (Ctrl-C or SIGTERM stops it).
#       Ports from RINGMON_AST_HTTP_PORT (8088), RINGMON_AST_AMI_PORT (5038),
#       RINGMON_AST_SIP_PORT (5060); everything binds to 127.0.0.1. The instance folder (its
#       astdb: registrations, DND states) survives a restart; `clean NAME` removes it.
#   scripts/asterisk_chroot.sh rx NAME COMMAND
#       Run an Asterisk CLI command on the running instance NAME.
#
# Needs root and mmdebstrap. The mirror is the first one in this machine's apt configuration
# (/etc/apt/sources.list.d/*.sources or sources.list), read at run time; override with
# RINGMON_DEBIAN_MIRROR. /proc is mounted inside a private mount namespace (unshare), so it
# is unmounted by the kernel when Asterisk exits, whatever way it exits, and two instances
# never unmount each other's /proc.
set -euo pipefail

CACHE="${RINGMON_ASTERISK_ROOT:-/var/cache/ringmon-asterisk}"
ROOT="$CACHE/sid"
PACKAGES="asterisk,asterisk-modules,asterisk-config"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONFIGS="$HERE/../contrib/asterisk"

die() { echo "asterisk_chroot: $*" >&2; exit 1; }

mirror() {
    if [[ -n "${RINGMON_DEBIAN_MIRROR:-}" ]]; then echo "$RINGMON_DEBIAN_MIRROR"; return; fi
    local uri=""
    shopt -s nullglob
    for f in /etc/apt/sources.list.d/*.sources; do
        uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
        [[ -n "$uri" ]] && break
    done
    if [[ -z "$uri" ]]; then
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [[ -f "$f" ]] || continue
            uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; exit } }' "$f")
            [[ -n "$uri" ]] && break
        done
    fi
    [[ -n "$uri" ]] || die "no Debian mirror found in /etc/apt (set RINGMON_DEBIAN_MIRROR)"
    echo "$uri"
}

build() {
    [[ $EUID -eq 0 ]] || die "building the chroot needs root"
    command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (apt-get install mmdebstrap)"
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.lock"
    flock 9
    if [[ -x "$ROOT/usr/sbin/asterisk" && -f "$ROOT/.ringmon-packages" ]] \
        && [[ "$(cat "$ROOT/.ringmon-packages")" == "$PACKAGES" ]]; then
        echo "$ROOT"
        return
    fi
    local url tmp log
    url="$(mirror)"
    tmp="$CACHE/sid.tmp.$$"
    log="$CACHE/mmdebstrap.log"
    rm -rf "$tmp"
    echo "asterisk_chroot: building a sid chroot with $PACKAGES (about 40 s, ~380 MB)" >&2
    if ! mmdebstrap --variant=apt --include="$PACKAGES" \
        --aptopt='Acquire::Check-Valid-Until "false"' \
        sid "$tmp" "$url" >"$log" 2>&1; then
        rm -rf "$tmp"
        if grep -Eq "Unable to locate package|has no installation candidate|Failed to fetch|Could not resolve|Unable to connect|Temporary failure resolving|Release' does not have a Release file|does not have a Release file|Connection failed|Connection timed out|404  Not Found|Hash Sum mismatch|unmet dependencies|Unable to correct problems" "$log"; then
            echo "asterisk_chroot: the package registry cannot provide the sid packages ($PACKAGES):" >&2
            grep -E "^E:|^W:|Err:" "$log" | tail -n 5 >&2 || true
            exit 3
        fi
        tail -n 20 "$log" >&2
        die "mmdebstrap failed (log: $log)"
    fi
    echo "$PACKAGES" >"$tmp/.ringmon-packages"
    rm -rf "$ROOT"
    mv "$tmp" "$ROOT"
    echo "$ROOT"
}

instance_dir() {
    local name="$1"
    [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "bad instance name: $name"
    echo "/srv/ringmon/$name"
}

render() {
    local inst="$1" host="$ROOT$1"
    local http="${RINGMON_AST_HTTP_PORT:-8088}" ami="${RINGMON_AST_AMI_PORT:-5038}"
    local sip="${RINGMON_AST_SIP_PORT:-5060}"
    mkdir -p "$host"/{etc,db,spool,run,log,cache}
    cp "$CONFIGS"/*.conf "$host/etc/"
    sed -i \
        -e "s#^astetcdir =>.*#astetcdir => $inst/etc#" \
        -e "s#^astvarlibdir =>.*#astvarlibdir => /var/lib/asterisk#" \
        -e "s#^astdbdir =>.*#astdbdir => $inst/db#" \
        -e "s#^astkeydir =>.*#astkeydir => $inst/db#" \
        -e "s#^astspooldir =>.*#astspooldir => $inst/spool#" \
        -e "s#^astrundir =>.*#astrundir => $inst/run#" \
        -e "s#^astlogdir =>.*#astlogdir => $inst/log#" \
        -e "s#^astcachedir =>.*#astcachedir => $inst/cache#" \
        "$host/etc/asterisk.conf"
    local moddir
    moddir=$(cd "$ROOT" && ls -d usr/lib/*/asterisk/modules 2>/dev/null | head -n 1)
    [[ -n "$moddir" ]] && sed -i "s#^astmoddir =>.*#astmoddir => /$moddir#" "$host/etc/asterisk.conf"
    sed -i -e "s#^bindport = .*#bindport = $http#" "$host/etc/http.conf"
    sed -i -e "0,/^port = .*/s##port = $ami#" "$host/etc/manager.conf"
    sed -i -e "s#^bind = 127.0.0.1:.*#bind = 127.0.0.1:$sip#" "$host/etc/pjsip.conf"
}

run() {
    local name="${1:?instance name}" inst
    [[ $EUID -eq 0 ]] || die "running Asterisk in the chroot needs root"
    [[ -x "$ROOT/usr/sbin/asterisk" ]] || die "no chroot at $ROOT: run '$0 build' first"
    inst="$(instance_dir "$name")"
    render "$inst"
    # --kill-child: if this process is killed, Asterisk dies with it; the mount namespace
    # (and its /proc mount) goes away with its last process.
    exec unshare --mount --pid --fork --kill-child=SIGTERM --mount-proc="$ROOT/proc" \
        chroot "$ROOT" /usr/sbin/asterisk -f -n -C "$inst/etc/asterisk.conf"
}

rx() {
    local name="${1:?instance name}" inst
    shift
    inst="$(instance_dir "$name")"
    chroot "$ROOT" /usr/sbin/asterisk -n -C "$inst/etc/asterisk.conf" -rx "$*"
}

clean() {
    local name="${1:?instance name}" inst
    inst="$(instance_dir "$name")"
    rm -rf "${ROOT:?}$inst"
}

case "${1:-}" in
    build) build ;;
    run) shift; run "$@" ;;
    rx) shift; rx "$@" ;;
    clean) shift; clean "$@" ;;
    *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
