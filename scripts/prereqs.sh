# Shared by ./apc and ./test: checks what the project needs on this machine and installs what it can.
# Sourced, not run. Prints to stderr so that a command's own output stays clean.

apc_require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "apc: the .NET SDK 10 is required but 'dotnet' is not on PATH. Install it (https://dot.net) and retry." >&2
    exit 1
  fi
}

APC_FASHION_DIR=/usr/share/datasets/fashion-mnist

# Installs Debian's dataset-fashion-mnist package when the files are absent and we can (root + apt-get).
apc_ensure_fashion_mnist() {
  [ -f "$APC_FASHION_DIR/train-images-idx3-ubyte.gz" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "apc: Fashion-MNIST is missing; installing the Debian package dataset-fashion-mnist..." >&2
    if ! apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; then
      apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1
    fi
  fi
  if [ ! -f "$APC_FASHION_DIR/train-images-idx3-ubyte.gz" ]; then
    echo "apc: Fashion-MNIST files not found in $APC_FASHION_DIR. Install the Debian package dataset-fashion-mnist," >&2
    echo "     or pass --data-root DIR pointing at a folder with the four *-idx?-ubyte[.gz] files." >&2
    return 1
  fi
}

# Plots and labels in reports need a font; Debian's fonts-dejavu-core is small. Best effort: without it the
# pictures still render (labels fall back to a built-in pixel font) but plots lose their text.
apc_ensure_fonts() {
  [ -d /usr/share/fonts/truetype/dejavu ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -qq fonts-dejavu-core >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq fonts-dejavu-core >/dev/null 2>&1; } || true
  fi
  return 0
}

# Slurm for `apc experiment --executor slurm` against a local one-node cluster (scripts/slurm-local.sh, the tests):
# Debian's slurm-wlm (slurmctld, slurmd, sbatch, squeue, ...) and munge (Slurm's authentication). Installs them when
# absent and we are root; otherwise says how, and returns 1.
apc_ensure_slurm() {
  if command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 && command -v sbatch >/dev/null 2>&1 \
     && command -v munged >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "apc: Slurm is missing; installing the Debian packages slurm-wlm and munge..." >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1; then
      apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1
    fi
  fi
  if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    echo "apc: Slurm is not installed and could not be installed here; as root run: apt-get install slurm-wlm munge" >&2
    return 1
  fi
}
