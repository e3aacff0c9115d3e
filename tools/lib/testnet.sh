# Shared by tools/mta-testnet and tools/server-testnet (their lib.sh source it). Sourced, not run.
# Before sourcing: TESTNET (the message prefix), and for the package helpers DEBS (where
# `apt-get download` puts .deb files); all_up/any_up need a components() function
# (lines "name pidfile cmdline-pattern"); stage needs T0N (date +%s%N at the start).

say()  { printf '[%s] %s\n' "$TESTNET" "$*" >&2; }
die()  { printf '[%s] ERROR: %s\n' "$TESTNET" "$*" >&2; exit 1; }
stage() { say "$1 (+$(( ($(date +%s%N) - T0N) / 1000000 )) ms)"; }

# ---------------------------------------------------------------- processes and sockets
alive() {
    local st
    st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# pid_of FILE PATTERN -> the pid in FILE if that process is alive and its command line has PATTERN
pid_of() {
    local file="$1" pattern="$2" pid
    [ -r "$file" ] || return 1
    pid="$(tr -dc '0-9' < "$file" | head -c 10)"
    [ -n "$pid" ] && alive "$pid" || return 1
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$pattern" || return 1
    printf '%s\n' "$pid"
}

# all_up / any_up: whether every / any component in components() runs
all_up() { local n f p; while read -r n f p; do pid_of "$f" "$p" >/dev/null || return 1; done < <(components); }
any_up() { local n f p; while read -r n f p; do pid_of "$f" "$p" >/dev/null && return 0; done < <(components); return 1; }

# listening tcp|udp ADDR:PORT -> whether something listens there
listening() {
    local proto="$1" spec="$2" flag
    [ "$proto" = udp ] && flag=-Hlun || flag=-Hltn
    ss $flag 2>/dev/null | awk '{print $4}' | grep -qxF -- "$spec"
}

# ---------------------------------------------------------------- packages
apt_updated=0
apt_update() { [ "$apt_updated" = 1 ] || { apt-get update -qq >/dev/null || die "apt-get update failed"; apt_updated=1; }; }

# missing_pkgs PKG... -> those not installed, each after a space (empty when none)
missing_pkgs() {
    local p out=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || out+=" $p"
    done
    printf '%s' "$out"
}

# apt_install PKG... -> installed (apt-get update first only when the plain install fails)
apt_install() {
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 \
        || { apt_update; apt-get install -y -qq --no-install-recommends "$@" >/dev/null; } \
        || die "apt-get install $* failed"
}

# unpack_debs DIR PKG... -> each package downloaded into $DEBS (once) and unpacked (dpkg -x,
# never installed) into DIR, which is emptied first
unpack_debs() {
    local dir="$1" p; shift
    mkdir -p "$DEBS"
    for p in "$@"; do
        if ! ls "$DEBS/${p}_"*.deb >/dev/null 2>&1; then
            say "downloading $p"
            (cd "$DEBS" && { apt-get download -q "$p" >/dev/null 2>&1 || { apt_update; apt-get download -q "$p" >/dev/null; }; }) \
                || die "apt-get download $p failed"
        fi
    done
    rm -rf "$dir" && mkdir -p "$dir"
    for p in "$@"; do dpkg -x "$(ls "$DEBS/${p}_"*.deb | tail -1)" "$dir"; done
}

# check_binary FILE -> dies unless FILE is executable with all its shared libraries found
check_binary() {
    [ -x "$1" ] || die "$1 missing after unpacking"
    if ldd "$1" | grep -q 'not found'; then die "$1: missing libraries: $(ldd "$1" | grep 'not found' | tr '\n' ' ')"; fi
}

# system_user NAME -> the system user (and group) NAME exists
system_user() {
    id "$1" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --user-group "$1" || die "useradd $1 failed"
}
