# Sourced by Gale's scripts: finds a TornadoVM SDK and writes the JVM argument file that runs Gale on it.
# The SDK is $TORNADO_SDK or $TORNADOVM_HOME; without one, Gale runs on its CPU backend alone.

gale_tornado_sdk() { # prints the SDK folder, or nothing
  local sdk="${TORNADO_SDK:-${TORNADOVM_HOME:-}}"
  [ -n "$sdk" ] || return 0
  if [ ! -f "$sdk/tornado-argfile" ] || [ ! -d "$sdk/share/java/tornado" ]; then
    echo "gale: $sdk (from TORNADO_SDK/TORNADOVM_HOME) is not a TornadoVM SDK: it has no tornado-argfile;" \
         "point the variable at the SDK folder (the one with bin/, etc/ and share/java/tornado) or unset it." >&2
    return 1
  fi
  (cd "$sdk" && pwd)
}

# Writes to $2 the JVM arguments for SDK $1. An SDK with the PTX backend aborts at start-up where the
# CUDA driver (libcuda.so.1) is missing, so there the PTX driver is left off the module path.
gale_tornado_argfile() {
  local sdk="$1" out="$2" jars
  if ls "$sdk"/share/java/tornado/tornado-drivers-ptx-*.jar >/dev/null 2>&1 \
     && ! ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1 '; then
    jars=$(ls "$sdk"/share/java/tornado/*.jar | grep -v '/tornado-drivers-ptx-' | paste -sd: -)
    awk -v jars="$jars" '
      /^# === ?:? ?ptx-exports ===/ { skip = 1; next }
      /^# ===/                      { skip = 0 }
      skip                          { next }
      /^--module-path /             { print "--module-path " jars; next }
      { gsub(/,tornado\.drivers\.ptx/, ""); print }' "$sdk/tornado-argfile" > "$out"
  else
    cp "$sdk/tornado-argfile" "$out"
  fi
  echo "-Dtornado.recover.bailout=False" >> "$out"
}

# Sets GALE_TORNADO_SDK to the SDK folder and GALE_TORNADO_ARGFILE to its JVM argument file, written
# into project folder $1's target/ (both empty without an SDK). Exits when the variables name
# something that is no SDK. The file is renamed into place, so that a JVM starting meanwhile never
# reads half of it.
gale_tornado_setup() {
  local target="$1/target"
  GALE_TORNADO_SDK=$(gale_tornado_sdk) || exit 1
  GALE_TORNADO_ARGFILE=
  [ -n "$GALE_TORNADO_SDK" ] || return 0
  mkdir -p "$target"
  gale_tornado_argfile "$GALE_TORNADO_SDK" "$target/tornado-argfile.$$"
  mv -f "$target/tornado-argfile.$$" "$target/tornado-argfile"
  GALE_TORNADO_ARGFILE="$target/tornado-argfile"
}

# Exports TORNADOVM_HOME as the SDK where only TORNADO_SDK named it, for the JVMs started after this
# (not Maven, whose profiles it would activate twice): TornadoVM writes a kernel's build log under
# $TORNADOVM_HOME/var, and under ./null/var when the variable is unset.
gale_tornado_home() {
  if [ -n "$GALE_TORNADO_SDK" ]; then
    export TORNADOVM_HOME="${TORNADOVM_HOME:-$GALE_TORNADO_SDK}"
  fi
}

# Sets GALE_TORNADO_MAVEN to the Maven flags that run the tests on the SDK's devices as well (empty
# without an SDK).
gale_tornado_maven_flags() {
  gale_tornado_setup "$1"
  GALE_TORNADO_MAVEN=()
  [ -n "$GALE_TORNADO_ARGFILE" ] || return 0
  GALE_TORNADO_MAVEN=("-Dgale.tornado.jvm=@$GALE_TORNADO_ARGFILE")
  echo "gale: TornadoVM SDK at $GALE_TORNADO_SDK: its devices are tested too"
}
