# syntax=docker/dockerfile:1.7
# One recipe for every Portcullis application image. Pick the Maven module with MODULE and its default
# ports with SERVER_PORT / MANAGEMENT_PORT (see docker-compose.yml for the five combinations), e.g.
#   docker build --build-arg MODULE=gateway -t portcullis/gateway:local .
#   docker build --build-arg MODULE=sample-services/user-service \
#                --build-arg SERVER_PORT=8081 --build-arg MANAGEMENT_PORT=9081 -t portcullis/user-service:local .

ARG MODULE=gateway

# ---- build: the Maven wrapper builds the module and the modules it depends on (-am), tests skipped:
# `./mvnw verify` on the host is where the tests run. Then Spring Boot's jar tools split the jar into its layers
# (dependencies, the Boot loader, snapshot dependencies, the application), each copied into an image layer of its
# own below: a change to Portcullis' code rebuilds and pushes only the small application layer.
FROM eclipse-temurin:21-jdk-jammy AS build
ARG MODULE
WORKDIR /src
COPY . .
# The cache mount keeps ~/.m2 (Maven itself and every dependency) between builds of all five images.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -pl "${MODULE}" -am -DskipTests package \
 && cp "${MODULE}"/target/*-exec.jar /tmp/app.jar \
 && java -Djarmode=tools -jar /tmp/app.jar extract --layers --launcher --destination /tmp/layers

# ---- runtime: a JRE on Ubuntu (glibc). Not Alpine: Netty's native epoll transport is built against glibc and does
# not load on musl, so Reactor Netty would fall back to the slower NIO transport without saying so.
FROM eclipse-temurin:21-jre-jammy
ARG MODULE
ARG SERVER_PORT=8080
ARG MANAGEMENT_PORT=8090
LABEL org.opencontainers.image.title="portcullis-${MODULE}" \
      org.opencontainers.image.source="https://github.com/portcullis/portcullis"
# wget for the health check (installed explicitly rather than relied upon in the base image). A fixed numeric
# uid/gid so that Kubernetes' runAsNonRoot can verify it; /keys is where the auth-service keeps its signing keys
# (AUTH_KEYS_DIR) and must belong to that user so a fresh named volume is writable.
RUN apt-get update \
 && apt-get install -y --no-install-recommends wget \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 portcullis \
 && useradd --system --uid 10001 --gid portcullis --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin portcullis \
 && mkdir -p /keys && chown 10001:10001 /keys && chmod 700 /keys
WORKDIR /app
# The layers, least likely to change first. Owned by root and not writable by the app user: the process cannot
# rewrite its own code.
COPY --from=build /tmp/layers/dependencies/ ./
COPY --from=build /tmp/layers/spring-boot-loader/ ./
COPY --from=build /tmp/layers/snapshot-dependencies/ ./
COPY --from=build /tmp/layers/application/ ./
ENV SERVER_PORT=${SERVER_PORT} \
    MANAGEMENT_SERVER_PORT=${MANAGEMENT_PORT}
EXPOSE ${SERVER_PORT} ${MANAGEMENT_PORT}
USER 10001:10001
# Readiness, not liveness: "healthy" means "can take traffic" (Redis and the JWKS reachable), which is what
# docker compose's depends_on: condition: service_healthy needs. Shell form so the port is read at run time.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD wget -q -T 2 -O /dev/null "http://127.0.0.1:${MANAGEMENT_SERVER_PORT}/actuator/health/readiness" || exit 1
# Memory and GC, sized for the documented container limits (deploy/k8s: 384 Mi for the sample services, 768 Mi to
# 1 Gi for the gateway and the auth-service, 1 to 2 CPUs):
# - MaxRAMPercentage=60: the heap takes 60% of the container's limit (230 MB of 384 Mi, 460 MB of 768 Mi, 615 MB of
#   1 Gi); the other 40% (150 MB at the least; a deploy test checks it for every container) is for what lives outside
#   the heap: metaspace (Spring Cloud Gateway loads many classes), the JIT's code cache, thread stacks and Netty's
#   pooled direct buffers. Above 60% the kubelet's OOM kill, which takes every in-flight request with it, comes
#   before the JVM's own heap limit. (A sizing argument, not a measurement under memory pressure: no Docker engine
#   ran where this was written.)
# - G1, chosen explicitly: with fewer than 2 CPUs or less than 1792 MB the JVM does not consider itself on a server
#   and picks the Serial collector, whose collections stop every request. G1 keeps young pauses short on a heap of
#   this size for the gateway's allocation pattern (short-lived garbage per request); Parallel GC would trade
#   somewhat more throughput for longer pauses, the wrong trade at the edge.
# - ExitOnOutOfMemoryError: exit (and be restarted) on OOM rather than limp on.
# The JVM writes only to /tmp (a tmpfs / emptyDir: the root filesystem is read-only). JAVA_TOOL_OPTIONS adjusts
# any of this per deployment. The Boot launcher runs the extracted layers (org.springframework.boot.loader.launch).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=60", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "org.springframework.boot.loader.launch.JarLauncher"]
