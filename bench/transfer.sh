#!/usr/bin/env bash
# Benchmark of the file transfer job against plain clients, over loopback:
#   - 1,000 files of 10 KB and one 1 GB file,
#   - SFTP (OpenSSH sshd; client: `sftp -b`) and FTP (vsftpd; client: curl for the large file,
#     Python's ftplib over one session for the small files),
#   - impex: `impex transfer ID` (pull: download, fsync, sha256, ledger, delete remote file),
#     wall time and peak RSS (/usr/bin/time).
# Targets: impex within 1.3x of the client for the small files, 1.1x for the large file,
# peak memory < 50 MB.
#
# Usage (root; vsftpd and openssh-server installed, see tests/install-deps.sh):
#   bench/transfer.sh [SMALL_COUNT] [LARGE_MB]      defaults: 1000 1024
#   PROTOS=sftp bench/transfer.sh                    one protocol only
#   ROUNDS=5 bench/transfer.sh                        rounds per case (default 3; medians)
set -euo pipefail
cd "$(dirname "$0")/.."
SMALL=${1:-1000}
LARGE_MB=${2:-1024}
ROUNDS=${ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "bench/transfer.sh: needs root (starts vsftpd and sshd, creates a test user)" >&2; exit 2; }
for b in /usr/sbin/vsftpd /usr/sbin/sshd /usr/bin/time curl sftp; do
  command -v "$b" >/dev/null || [ -x "$b" ] || { echo "missing $b (run tests/install-deps.sh)" >&2; exit 2; }
done
cargo build --release -q
IMPEX=$PWD/target/release/impex
USER_NAME=impextest
PASS=Impex-test-pw1  # the same as tests/it/support/transfer.rs, so parallel runs agree
id "$USER_NAME" >/dev/null 2>&1 || useradd -m -s /bin/bash "$USER_NAME"
echo "$USER_NAME:$PASS" | chpasswd

W=$(mktemp -d /tmp/impex-bench.XXXXXX)
chmod 755 "$W"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 not up" >&2; exit 1; }

# --- servers -------------------------------------------------------------------------------
FTP_PORT=$(free_port)
mkdir -p /var/run/vsftpd/empty
cat > "$W/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$FTP_PORT
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
secure_chroot_dir=/var/run/vsftpd/empty
seccomp_sandbox=NO
pam_service_name=vsftpd
use_localtime=NO
max_clients=50
max_per_ip=50
CONF
/usr/sbin/vsftpd "$W/vsftpd.conf" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
SSH_PORT=$(free_port)
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$W/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$W/user_key"
cp "$W/user_key.pub" "$W/authorized_keys"; chmod 644 "$W/authorized_keys"
cat > "$W/sshd_config" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $W/host_key
PidFile $W/sshd.pid
AuthorizedKeysFile $W/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication yes
PubkeyAuthentication yes
AllowUsers $USER_NAME
Subsystem sftp internal-sftp
LogLevel ERROR
CONF
/usr/sbin/sshd -D -e -f "$W/sshd_config" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$FTP_PORT"; wait_port "$SSH_PORT"
echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$W/host_key.pub")" > "$W/known_hosts"

# --- data ----------------------------------------------------------------------------------
mkdir -p "$W/data/small" "$W/data/large"
python3 - "$W/data/small" "$SMALL" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(os.path.join(d, f"OpenPositionsImport_{i}.xml"), "wb") as f:
        f.write(os.urandom(10 * 1024))
PY
head -c $((LARGE_MB * 1024 * 1024)) /dev/urandom > "$W/data/large/OpenPositionsImport_0.xml"
touch -d '1 hour ago' "$W/data/small"/* "$W/data/large"/*

stage() {  # stage DATASET -> fresh remote dir owned by the test user, prints its path
  local r="$W/remote-$RANDOM$RANDOM"
  cp -a "$W/data/$1" "$r"
  chown -R "$USER_NAME" "$r"
  sync
  echo "$r"
}

secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

run_impex() {  # run_impex PROTO DATASET -> "seconds rss_mb"
  local proto=$1 ds=$2 remote env account extra=""
  remote=$(stage "$ds")
  env="$W/env-$proto-$ds"; mkdir -p "$env"
  "$IMPEX" --db "$env/impex.db" init --base "$env/base" >/dev/null
  if [ "$proto" = sftp ]; then
    account="sftp://$USER_NAME@127.0.0.1:$SSH_PORT"
    extra="INSERT INTO \"ExecutionBeanValueDO\" (\"executionBeanKeyDefRef\", \"parameterValue\", \"communicationPartnerRef\") VALUES
      (1338, '$W/user_key', 10000), (10006, '$W/known_hosts', 10000);"
  else
    account="ftp://$USER_NAME:$PASS@127.0.0.1:$FTP_PORT"
  fi
  "$IMPEX" --db "$env/impex.db" sql >/dev/null <<SQL
INSERT INTO "FinanceControllerDO" ("id", "name") VALUES (10000, 'bench');
INSERT INTO "PartnerReferrerDO" ("id", "financeControllerRef") VALUES (10000, 10000);
INSERT INTO "FileTransferConfigurationDO" ("id", "typeDefRef", "partnerReferrerRef", "transmissionTypeDefRef") VALUES (10000, 10, 10000, 1900);
INSERT INTO "ScheduleDO" ("id", "configId", "cron", "jobDefRef", "key") VALUES (10000, 10000, '0 0/10 * 1/1 * ? *', 3, 'bench');
INSERT INTO "CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef") VALUES (10000, 100020, 10000);
INSERT INTO "ExecutionBeanValueDO" ("executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef") VALUES
  (1330, '$account', 10000), (1331, '$remote', 10000), (10010, '0', 10000);
$extra
SQL
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$env/time" "$IMPEX" --db "$env/impex.db" transfer 10000 >"$env/out" 2>"$env/err" || { cat "$env/out" "$env/err" >&2; exit 1; }
  t1=$(date +%s.%N)
  [ "$(ls "$env/base/share/bench/in" | wc -l)" = "$(ls "$W/data/$ds" | wc -l)" ] || { echo "impex $proto $ds: files missing" >&2; cat "$env/out" >&2; exit 1; }
  echo "$(secs "$t0" "$t1") $(( $(tail -1 "$env/time") / 1024 ))"
}

run_client() {  # run_client PROTO DATASET -> seconds
  local proto=$1 ds=$2 remote out t0 t1
  remote=$(stage "$ds")
  out="$W/client-$proto-$ds"; mkdir -p "$out"
  t0=$(date +%s.%N)
  if [ "$proto" = sftp ]; then
    printf 'lcd %s\ncd %s\nmget *\n' "$out" "$remote" > "$W/batch"
    sftp -q -b "$W/batch" -i "$W/user_key" -o UserKnownHostsFile="$W/known_hosts" -o StrictHostKeyChecking=yes \
      -P "$SSH_PORT" "$USER_NAME@127.0.0.1" >/dev/null
  elif [ "$ds" = large ]; then
    curl -s -S --ftp-method nocwd --user "$USER_NAME:$PASS" -o "$out/$(ls "$remote")" \
      "ftp://127.0.0.1:$FTP_PORT/%2F${remote#/}/$(ls "$remote")"
  else
    # One FTP session, binary RETR per file (Python's ftplib; curl -K with many URLs needs
    # ~35 ms per file here, which would flatter impex).
    python3 - "$FTP_PORT" "$USER_NAME" "$PASS" "$remote" "$out" <<'PY'
import ftplib, os, sys
port, user, pw, remote, out = sys.argv[1:]
f = ftplib.FTP(); f.connect("127.0.0.1", int(port)); f.login(user, pw)
for n in sorted(os.listdir(remote)):
    with open(os.path.join(out, n), "wb") as o:
        f.retrbinary("RETR " + remote + "/" + n, o.write, blocksize=65536)
f.quit()
PY
  fi
  [ "$(ls "$out" | wc -l)" = "$(ls "$W/data/$ds" | wc -l)" ] || { echo "client $proto $ds: files missing" >&2; exit 1; }
  sync
  t1=$(date +%s.%N)
  secs "$t0" "$t1"
}

median() { python3 -c "import statistics, sys; print(f'{statistics.median(float(x) for x in sys.argv[1:]):.2f}')" "$@"; }

printf '%-6s %-22s %10s %10s %8s %12s   (medians of %s rounds)\n' proto dataset client_s impex_s ratio impex_rss_MB "$ROUNDS"
for proto in ${PROTOS:-sftp ftp}; do
  for ds in small large; do
    cs=(); is=(); rs=()
    for r in $(seq "$ROUNDS"); do  # client and impex alternate, so both see the same machine
      cs+=("$(run_client "$proto" "$ds")")
      read -r i rss < <(run_impex "$proto" "$ds")
      is+=("$i"); rs+=("$rss")
      # Moved aside, deleted at exit: ext4 makes creating files slow for about a minute after
      # many deletions (recently_deleted() in the inode allocator), which would tax the next
      # round's runs by whatever they happen to create.
      # (The large dataset is three files: deleted right away, it needs the disk space.)
      if [ "$ds" = small ]; then
        mkdir -p "$W/trash/$proto-$ds-$r"; mv "$W"/remote-* "$W"/client-* "$W/env-$proto-$ds" "$W/trash/$proto-$ds-$r/"
      else
        rm -rf "$W"/remote-* "$W"/client-* "$W/env-$proto-$ds"
      fi
    done
    c=$(median "${cs[@]}"); i=$(median "${is[@]}"); rss=$(printf '%s\n' "${rs[@]}" | sort -n | tail -1)
    label=$([ "$ds" = small ] && echo "${SMALL} x 10 KB" || echo "1 x ${LARGE_MB} MB")
    ratio=$(python3 -c "import sys; print(f'{float(sys.argv[2])/max(float(sys.argv[1]),0.001):.2f}x')" "$c" "$i")
    printf '%-6s %-22s %10s %10s %8s %12s   client %s / impex %s\n' "$proto" "$label" "$c" "$i" "$ratio" "$rss" "${cs[*]}" "${is[*]}"
  done
done
