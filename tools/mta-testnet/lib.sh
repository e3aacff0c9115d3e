# Common definitions for tools/mta-testnet/{up,down}. Sourced, not run.
HOME_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TESTNET=mta-testnet
BASE="${MTA_TESTNET_DIR:-/work/mta-testnet}"   # outside the repository
DEBS="$BASE/debs"                               # apt-get download
ROOT="$BASE/root"                               # dpkg -x, one directory per package set
STATE="$BASE/state"                             # configs, spools, logs, pid files (wiped by up)

# MTA binaries unpacked from Debian packages (they conflict with one another and with Postfix:
# each provides mail-transport-agent, so none is installed with dpkg).
EXIM="$ROOT/exim/usr/sbin/exim4"
SMTPD="$ROOT/opensmtpd/usr/sbin/smtpd"
SENDMAIL="$ROOT/sendmail/usr/libexec/sendmail/sendmail"
MAKEMAP="$ROOT/sendmail/usr/libexec/sendmail/makemap"
COURIER_ROOT="$ROOT/courier"
NSD="$ROOT/nsd/usr/sbin/nsd"
UNBOUND="$ROOT/unbound/usr/sbin/unbound"

# package set -> Debian packages unpacked into $ROOT/<set>
PKG_SETS="exim:exim4-daemon-light,exim4-base opensmtpd:opensmtpd sendmail:sendmail-bin,sendmail-cf nsd:nsd unbound:unbound
courier:courier-mta,courier-base,courier-authlib,courier-authdaemon,courier-authlib-userdb,libcourier-unicode4"
# their shared-library dependencies (and tools up uses), installed normally with apt
LIB_PKGS="libdb5.3 libgnutls-dane0 libgnutls30 libidn12 libidn2-0 libnsl2 libpcre2-8-0 libcrypt1
libevent-2.1-7 libfstrm0 libprotobuf-c1 libssl3 libsystemd0 libpam0g zlib1g libldap-2.5-0
liblockfile1 libsasl2-2 libwrap0 libnghttp2-14 libpython3.11 libgdbm6 libltdl7 libgamin0 libpcre3
libperl5.36 libnet-cidr-perl gnutls-bin perl m4 openssl iproute2 python3"

# system users the packaged binaries were compiled to run as
SYS_USERS="Debian-exim opensmtpd opensmtpq courier"

EXIM_TRUSTED=/etc/exim4/trusted_configs   # Exim's compiled-in TRUSTED_CONFIG_LIST

# name pidfile cmdline-pattern
components() {
    cat <<EOC
nsd-root $STATE/nsd-root/nsd.pid nsd
nsd-auth $STATE/nsd-auth/nsd.pid nsd
unbound $STATE/unbound/unbound.pid unbound
exim $STATE/exim/exim.pid exim4
opensmtpd $STATE/opensmtpd/smtpd.pid smtpd
sendmail $STATE/sendmail/run.pid sendmail
courier $STATE/courier/upper/run/courier/esmtpd.pid couriertcpd
courier-tls $STATE/courier/upper/run/courier/esmtpd-msa.pid couriertcpd
EOC
}

TCP_LISTENERS="127.0.70.53:53 127.0.70.60:53 127.0.70.99:53 127.0.70.1:25 127.0.71.1:25
127.0.70.2:25 127.0.71.2:25 127.0.70.3:25 127.0.71.3:25 127.0.70.4:25 127.0.71.4:25"
UDP_LISTENERS="127.0.70.53:53 127.0.70.60:53 127.0.70.99:53"

# say, die, stage, pid_of, all_up, listening, the package helpers
# shellcheck source=../lib/testnet.sh
source "$HOME_DIR/../lib/testnet.sh"

# courier_pids -> every process running inside Courier's chroot (its daemons fork many helpers)
courier_pids() {
    local p r
    for p in /proc/[0-9]*; do
        r="$(readlink "$p/root" 2>/dev/null)" || continue
        [ "$r" = "$STATE/courier/merged" ] && printf '%s\n' "${p#/proc/}"
    done
    return 0
}
