# Sourced by Gale's scripts: finds a JDK >= 25 and exports JAVA_HOME, or explains what to do.
# Order: $JAVA_HOME, then the usual install folders of Linux and macOS.

gale_java_feature() { # prints the feature release of the JDK at $1 (25 for 25.0.3), or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

gale_find_jdk() {
  local candidate feature
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
                   /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/*; do
    [ -n "$candidate" ] && [ -d "$candidate" ] || continue
    feature=$(gale_java_feature "$candidate")
    if [ -n "$feature" ] && [ "$feature" -ge 25 ]; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "gale: no JDK 25 or newer found (looked at JAVA_HOME and /usr/lib/jvm, /usr/java, /opt, ~/.sdkman)." >&2
  echo "gale: install a JDK 25 (for example Eclipse Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}

gale_require_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "gale: Maven (mvn) is not on the PATH: install Apache Maven 3.8 or newer (Debian/Ubuntu: apt-get install maven)." >&2
    return 1
  fi
}

# Prints the JVM flag that puts the Java heap on transparent huge pages where the kernel offers them
# (its "madvise" mode, the usual default, or "always"), or nothing: with "never" the JVM would warn on
# every start. A 2048^3 GEMM's operands and packed panels span tens of MiB, thousands of 4 KiB pages;
# on 2 MiB pages it ran up to 6% faster (README, Performance), and numpy, which the benchmark compares
# against, asks for huge pages for its large arrays itself.
gale_heap_flags() {
  local mode
  mode=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null) || return 0
  case "$mode" in *"[always]"*|*"[madvise]"*) echo "-XX:+UseTransparentHugePages" ;; esac
}
