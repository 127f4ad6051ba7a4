# syntax=docker/dockerfile:1.7
# One recipe for every Portcullis application image. Pick the Maven module with MODULE and its default
# ports with SERVER_PORT / MANAGEMENT_PORT (see docker-compose.yml for the five combinations), e.g.
#   docker build --build-arg MODULE=gateway -t portcullis/gateway:local .
#   docker build --build-arg MODULE=sample-services/user-service \
#                --build-arg SERVER_PORT=8081 --build-arg MANAGEMENT_PORT=9081 -t portcullis/user-service:local .

ARG MODULE=gateway

# ---- build: the Maven wrapper builds the module and the modules it depends on (-am), tests skipped:
# `./mvnw verify` on the host is where the tests run.
FROM eclipse-temurin:21-jdk-jammy AS build
ARG MODULE
WORKDIR /src
COPY . .
# The cache mount keeps ~/.m2 (Maven itself and every dependency) between builds of all five images.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -pl "${MODULE}" -am -DskipTests package \
 && cp "${MODULE}"/target/*-exec.jar /tmp/app.jar

# ---- runtime: a JRE on Alpine (busybox wget for the health check; there is no curl in Temurin images).
FROM eclipse-temurin:21-jre-alpine
ARG MODULE
ARG SERVER_PORT=8080
ARG MANAGEMENT_PORT=8090
LABEL org.opencontainers.image.title="portcullis-${MODULE}" \
      org.opencontainers.image.source="https://github.com/portcullis/portcullis"
# A fixed numeric uid/gid so that Kubernetes' runAsNonRoot can verify it; /keys is where the auth-service
# keeps its signing keys (AUTH_KEYS_DIR) and must belong to that user so a fresh named volume is writable.
RUN addgroup -S -g 10001 portcullis \
 && adduser -S -D -H -u 10001 -G portcullis -s /sbin/nologin portcullis \
 && mkdir -p /keys && chown 10001:10001 /keys && chmod 700 /keys
WORKDIR /app
# Owned by root and read-only for the app user: the process cannot rewrite its own code.
COPY --from=build --chmod=444 /tmp/app.jar /app/app.jar
ENV SERVER_PORT=${SERVER_PORT} \
    MANAGEMENT_SERVER_PORT=${MANAGEMENT_PORT}
EXPOSE ${SERVER_PORT} ${MANAGEMENT_PORT}
USER 10001:10001
# Readiness, not liveness: "healthy" means "can take traffic" (Redis and the JWKS reachable), which is what
# docker compose's depends_on: condition: service_healthy needs. Shell form so the port is read at run time.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD wget -q -T 2 -O /dev/null "http://127.0.0.1:${MANAGEMENT_SERVER_PORT}/actuator/health/readiness" || exit 1
# MaxRAMPercentage sizes the heap from the container's memory limit; exit (and be restarted) on OOM rather
# than limp on. The JVM writes only to /tmp (a tmpfs / emptyDir: the root filesystem is read-only).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "-jar", "/app/app.jar"]
