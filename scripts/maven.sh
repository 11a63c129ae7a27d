# Sourced by Gale's scripts: Maven on a JDK >= 25, and a TornadoVM SDK's flags when one is set.
gale_scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
gale_root=$(cd "$gale_scripts/.." && pwd)
. "$gale_scripts/jdk.sh"
. "$gale_scripts/tornado.sh"

# Runs Maven in batch mode in the project folder. Maven 3.8/3.9 use sun.misc.Unsafe internally; JDK 24+
# warns about it on every run.
gale_mvn() {
  (cd "$gale_root" && MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" mvn -B -ntp "$@")
}

# What the test commands need: a JDK and Maven, and GALE_TORNADO_MAVEN to test the SDK's devices too.
gale_test_setup() {
  gale_find_jdk || exit 1
  gale_require_maven || exit 1
  gale_tornado_maven_flags "$gale_root"
  echo "gale: testing with $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1) at $JAVA_HOME"
}
