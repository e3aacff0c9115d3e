# Common definitions for tools/server-testnet/{up,down}. Sourced, not run.
HOME_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TESTNET=server-testnet
BASE="${SERVER_TESTNET_DIR:-/work/server-testnet}"   # outside the repository
DEBS="$BASE/debs"                                     # apt-get download (Exim)
ROOT="$BASE/root"                                     # dpkg -x
STATE="$BASE/state"                                   # configs, queue, logs, pid files (wiped by up)
EXIM="$ROOT/exim/usr/sbin/exim4"
EXIM_TRUSTED=/etc/exim4/trusted_configs               # Exim's compiled-in TRUSTED_CONFIG_LIST
# Packages: installed normally (Postfix is usually there already; dovecot-core for SASL; swaks
# and testssl.sh for the comparison) or, for Exim (it conflicts with Postfix), unpacked.
APT_PKGS="postfix dovecot-core swaks testssl.sh openssl python3 iproute2 libgnutls30 libidn12 libpcre2-8-0 libdb5.3"
EXIM_PKGS="exim4-daemon-light exim4-base"

# name pidfile cmdline-pattern
components() {
    cat <<EOC
postfix $STATE/postfix/queue/pid/master.pid master
dovecot $STATE/dovecot/run/master.pid dovecot
exim $STATE/exim/exim.pid exim4
EOC
}

TCP_LISTENERS="127.0.80.10:25 127.0.80.10:465 127.0.80.10:587 127.0.80.11:25 127.0.80.12:25
127.0.80.13:25 127.0.80.14:25 127.0.80.15:25 127.0.80.16:25 127.0.80.17:25 127.0.80.18:25
127.0.80.19:25 127.0.80.20:25 127.0.80.21:25 127.0.80.22:25 127.0.80.23:25 127.0.80.30:25
127.0.80.31:25"

# say, die, stage, pid_of, all_up, listening, the package helpers
# shellcheck source=../lib/testnet.sh
source "$HOME_DIR/../lib/testnet.sh"
