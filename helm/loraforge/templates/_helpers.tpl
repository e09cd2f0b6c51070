{{/*
Names. Every object is "<release>-loraforge-<component>" (or "<release>-<component>" when the
release name already contains "loraforge"), cut to the 63 characters Kubernetes allows.
*/}}
{{- define "loraforge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "loraforge.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects. Argument: dict "root" $ "component" "<name>". */}}
{{- define "loraforge.componentName" -}}
{{- printf "%s-%s" (include "loraforge.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "loraforge.configName" -}}
{{- printf "%s-config" (include "loraforge.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "loraforge.secretName" -}}
{{- printf "%s-secrets" (include "loraforge.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Secret and key holding the PostgreSQL password. */}}
{{- define "loraforge.dbSecretName" -}}
{{- default (include "loraforge.secretName" .) .Values.postgresql.existingSecret -}}
{{- end -}}
{{- define "loraforge.dbSecretKey" -}}
{{- if .Values.postgresql.existingSecret -}}{{ .Values.postgresql.existingSecretPasswordKey }}{{- else -}}db-password{{- end -}}
{{- end -}}

{{/* Secret and key holding the job-api admin key. */}}
{{- define "loraforge.generatedAdminKeySecretName" -}}
{{- printf "%s-admin-key" (include "loraforge.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "loraforge.adminKeySecretName" -}}
{{- if .Values.jobApi.existingSecret -}}
{{- .Values.jobApi.existingSecret -}}
{{- else if .Values.jobApi.adminKey -}}
{{- include "loraforge.secretName" . -}}
{{- else -}}
{{- include "loraforge.generatedAdminKeySecretName" . -}}
{{- end -}}
{{- end -}}
{{- define "loraforge.adminKeySecretKey" -}}
{{- if .Values.jobApi.existingSecret -}}{{ .Values.jobApi.existingSecretAdminKeyKey }}{{- else -}}admin-key{{- end -}}
{{- end -}}

{{/* Secret and key holding the platform's service key. */}}
{{- define "loraforge.generatedServiceKeySecretName" -}}
{{- printf "%s-service-key" (include "loraforge.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "loraforge.serviceKeySecretName" -}}
{{- if .Values.serviceAuth.existingSecret -}}
{{- .Values.serviceAuth.existingSecret -}}
{{- else if .Values.serviceAuth.key -}}
{{- include "loraforge.secretName" . -}}
{{- else -}}
{{- include "loraforge.generatedServiceKeySecretName" . -}}
{{- end -}}
{{- end -}}
{{- define "loraforge.serviceKeySecretKey" -}}
{{- if .Values.serviceAuth.existingSecret -}}{{ .Values.serviceAuth.existingSecretKey }}{{- else -}}service-key{{- end -}}
{{- end -}}
{{- define "loraforge.serviceKeyEnv" -}}
- name: LORAFORGE_SERVICE_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "loraforge.serviceKeySecretName" . }}
      key: {{ include "loraforge.serviceKeySecretKey" . }}
{{- end -}}

{{/* Labels. Argument: dict "root" $ "component" "<name>". */}}
{{- define "loraforge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "loraforge.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "loraforge.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: loraforge
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "loraforge.selectorLabels" . }}
{{- end -}}

{{/* Image reference. Argument: dict "root" $ "component" "<name>" "values" <service values>. */}}
{{- define "loraforge.image" -}}
{{- $repository := .values.image.repository | default (printf "%s/%s" .root.Values.image.repositoryPrefix .component) -}}
{{- $tag := .values.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}

{{/* Base URL of the artifact-store inside the cluster. */}}
{{- define "loraforge.artifactStoreUrl" -}}
{{- printf "http://%s:%v" (include "loraforge.componentName" (dict "root" . "component" "artifact-store")) .Values.artifactStore.service.port -}}
{{- end -}}

{{- define "loraforge.inferenceUrl" -}}
{{- printf "http://%s:%v" (include "loraforge.componentName" (dict "root" . "component" "inference-service")) .Values.inference.service.port -}}
{{- end -}}

{{/* Pod annotations: config checksum (restart on change) and Prometheus scraping. */}}
{{- define "loraforge.podAnnotations" -}}
checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
{{- if .root.Values.metrics.prometheusAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/path: /q/metrics
prometheus.io/port: {{ .values.port | quote }}
{{- end }}
{{- with .values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by every Deployment. Argument: dict "root" $ "values" <service values>. */}}
{{- define "loraforge.podSettings" -}}
automountServiceAccountToken: false
{{- with .root.Values.image.pullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Environment every service reads. Argument: dict "root" $ "values" <service values>. */}}
{{- define "loraforge.commonEnv" -}}
- name: QUARKUS_HTTP_PORT
  value: {{ .values.port | quote }}
- name: QUARKUS_DATASOURCE_JDBC_URL
  valueFrom:
    configMapKeyRef:
      name: {{ include "loraforge.configName" .root }}
      key: QUARKUS_DATASOURCE_JDBC_URL
- name: QUARKUS_DATASOURCE_USERNAME
  valueFrom:
    configMapKeyRef:
      name: {{ include "loraforge.configName" .root }}
      key: QUARKUS_DATASOURCE_USERNAME
- name: QUARKUS_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "loraforge.dbSecretName" .root }}
      key: {{ include "loraforge.dbSecretKey" .root }}
- name: KAFKA_BOOTSTRAP_SERVERS
  valueFrom:
    configMapKeyRef:
      name: {{ include "loraforge.configName" .root }}
      key: KAFKA_BOOTSTRAP_SERVERS
- name: JAVA_OPTS
  value: {{ .values.javaOpts | quote }}
{{ include "loraforge.serviceKeyEnv" .root }}
{{- end -}}

{{/* OpenTelemetry settings of the traced services (job-api, trainer-service). */}}
{{- define "loraforge.tracingEnv" -}}
- name: LORAFORGE_TRACES_SAMPLE_RATIO
  value: {{ .Values.tracing.sampleRatio | quote }}
{{- with .Values.tracing.otlpEndpoint }}
- name: QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- with .Values.tracing.otlpProtocol }}
- name: QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* The port and JVM flags of a service without database or Kafka (inference-service). */}}
{{- define "loraforge.httpEnv" -}}
- name: QUARKUS_HTTP_PORT
  value: {{ .values.port | quote }}
- name: JAVA_OPTS
  value: {{ .values.javaOpts | quote }}
{{ include "loraforge.serviceKeyEnv" .root }}
{{- end -}}

{{/* Container port and the three probes on the Quarkus health endpoints. */}}
{{- define "loraforge.portsAndProbes" -}}
ports:
  - name: http
    containerPort: {{ .values.port }}
    protocol: TCP
startupProbe:
  httpGet:
    path: /q/health/live
    port: http
  periodSeconds: {{ .root.Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .root.Values.probes.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: /q/health/live
    port: http
  periodSeconds: {{ .root.Values.probes.liveness.periodSeconds }}
  timeoutSeconds: {{ .root.Values.probes.liveness.timeoutSeconds }}
  failureThreshold: {{ .root.Values.probes.liveness.failureThreshold }}
readinessProbe:
  httpGet:
    path: /q/health/ready
    port: http
  periodSeconds: {{ .root.Values.probes.readiness.periodSeconds }}
  timeoutSeconds: {{ .root.Values.probes.readiness.timeoutSeconds }}
  failureThreshold: {{ .root.Values.probes.readiness.failureThreshold }}
{{- end -}}

{{/* ClusterIP (or other type) Service in front of one component. */}}
{{- define "loraforge.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "loraforge.componentName" . }}
  labels:
    {{- include "loraforge.labels" . | nindent 4 }}
spec:
  type: {{ .values.service.type }}
  selector:
    {{- include "loraforge.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .values.service.port }}
      targetPort: http
      protocol: TCP
{{- end -}}

{{/* Fails rendering with a clear message when values contradict each other. */}}
{{- define "loraforge.validate" -}}
{{- if not (regexMatch "^jdbc:postgresql://[^/]+/[^/?]+" .Values.postgresql.jdbcUrl) -}}
{{- fail (printf "postgresql.jdbcUrl %q is not a PostgreSQL JDBC URL; expected jdbc:postgresql://HOST[:PORT]/DATABASE" .Values.postgresql.jdbcUrl) -}}
{{- end -}}
{{- if not (regexMatch "^[^,\\s]+:[0-9]+(,[^,\\s]+:[0-9]+)*$" .Values.kafka.bootstrapServers) -}}
{{- fail (printf "kafka.bootstrapServers %q is not a list of HOST:PORT separated by commas" .Values.kafka.bootstrapServers) -}}
{{- end -}}
{{- $p := .Values.artifactStore.storage.persistence -}}
{{- if and $p.enabled (gt (int .Values.artifactStore.replicas) 1) (not (has "ReadWriteMany" $p.accessModes)) -}}
{{- fail "artifactStore.replicas > 1 needs a shared volume: set artifactStore.storage.persistence.accessModes to [ReadWriteMany] (or keep 1 replica)" -}}
{{- end -}}
{{- end -}}
