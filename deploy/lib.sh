# Shared set-up of deploy/up, deploy/test and deploy/bench: installs what a fresh machine lacks.
# Sourced, not run. Leaves an activated .venv with the hub installed, Java and Maven on PATH,
# and the broker's jars in the cache.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1;34m[hub]\033[0m %s\n' "$*" >&2; }

apt_install() {
  if [ "$(id -u)" != "0" ]; then
    log "missing $*; install it (apt-get install $*) or run as root"; exit 1
  fi
  log "installing $* from Debian"
  if [ -z "${HUB_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    export HUB_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_python() {
  PYTHON="${PYTHON:-}"
  for candidate in python3.13 python3.12 python3.11 python3; do
    if [ -z "$PYTHON" ] && command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON="$(command -v "$candidate")"
    fi
  done
  if [ -z "$PYTHON" ]; then apt_install python3 python3-venv; PYTHON="$(command -v python3)"; fi
  if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then apt_install python3-venv; fi
}

ensure_java() {
  if ! command -v java >/dev/null 2>&1 ||
     ! java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; then
    apt_install openjdk-17-jre-headless
  fi
  # The Java interoperability client (connectors/java) is compiled by ./deploy/test: a JDK, not only a JRE.
  command -v javac >/dev/null 2>&1 || apt_install openjdk-17-jdk-headless
  command -v mvn >/dev/null 2>&1 || apt_install maven
}

ensure_promtool() {
  command -v promtool >/dev/null 2>&1 || apt_install --no-install-recommends prometheus
}

ensure_postgres() {
  # The outbox relay and the SQL sink are tested against a real server from Debian's package.
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt_install --no-install-recommends postgresql; fi
}

ensure_venv() {
  local stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
  if [ ! -x .venv/bin/python ]; then
    log "creating .venv with $PYTHON"
    "$PYTHON" -m venv .venv
  fi
  if [ ! -f "$stamp" ]; then
    log "installing the hub and its dependencies into .venv"
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q -e '.[services,test]'
    rm -f .venv/.installed-*; touch "$stamp"
  fi
  # shellcheck disable=SC1091
  source .venv/bin/activate
}

ensure_broker_jars() {
  log "broker jars: $(hub broker fetch)"
}

setup_all() {
  ensure_python
  ensure_java
  ensure_promtool
  ensure_venv
  ensure_broker_jars
}

# The aggregator benchmark's peer, Quix Streams, whose pins (pydantic, confluent-kafka) differ from the
# hub's: an environment of its own, with the hub's code on its path but none of the hub's dependencies.
QUIX_STREAMS_VERSION="3.28.1"
ensure_quix_venv() {
  local stamp=".venv-quix/.installed-${QUIX_STREAMS_VERSION}-$(cat pyproject.toml | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ]; then return; fi
  log "installing Quix Streams ${QUIX_STREAMS_VERSION} into .venv-quix (the aggregator benchmark's peer)"
  [ -x .venv-quix/bin/python ] || "$PYTHON" -m venv .venv-quix
  .venv-quix/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv-quix/bin/python -m pip install -q "quixstreams==${QUIX_STREAMS_VERSION}" \
    "fastavro==$(.venv/bin/python -c 'import fastavro; print(fastavro.__version__)')" pydantic-settings pyyaml click
  .venv-quix/bin/python -m pip install -q --no-deps -e .
  rm -f .venv-quix/.installed-*; touch "$stamp"
}
