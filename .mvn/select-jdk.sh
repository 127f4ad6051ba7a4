# Sourced by ./mvnw, ./local-stack and .ci/run: makes sure a JDK >= 21 runs the build.
# Keeps JAVA_HOME when it already points at one; else takes `java` on the PATH when that is new enough;
# else looks in the usual install places and picks the newest JDK >= 21 found there.
portcullis_java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1 | cut -d. -f1
}
portcullis_select_jdk() {
  local major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major=$(portcullis_java_major "$JAVA_HOME/bin/java")
    [ "${major:-0}" -ge 21 ] 2>/dev/null && return 0
  fi
  if command -v java >/dev/null 2>&1; then
    major=$(portcullis_java_major java)
    if [ "${major:-0}" -ge 21 ] 2>/dev/null; then
      unset JAVA_HOME
      return 0
    fi
  fi
  local best="" best_major=0 candidate
  case $- in *f*) set +f; local restore_noglob=1 ;; esac
  for candidate in /usr/lib/jvm/* /opt/java/* /opt/*jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -x "$candidate/bin/javac" ] || continue
    major=$(portcullis_java_major "$candidate/bin/java")
    if [ "${major:-0}" -ge 21 ] 2>/dev/null && [ "$major" -gt "$best_major" ]; then
      best="$candidate"; best_major="$major"
    fi
  done
  [ -n "${restore_noglob:-}" ] && set -f
  if [ -n "$best" ]; then
    export JAVA_HOME="$best"
    export PATH="$JAVA_HOME/bin:$PATH"
    return 0
  fi
  echo "Portcullis needs a JDK 21 or newer; found none (set JAVA_HOME to one)." >&2
  return 1
}
portcullis_select_jdk || exit 1
