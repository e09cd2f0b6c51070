package dev.loraforge.quant.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * The quantization of one base model with one scheme: its state, the requests waiting for it, the
 * lease of the process running it and, once done, the quantized model and its figures.
 */
@Entity
@Table(name = "quantizations")
public class Quantization {

    @EmbeddedId
    public Key key;
    /** The base model artifact the first request named (the lineage parent of the result). */
    @Column(name = "base_id")
    public String baseId;
    @Column(name = "base_name")
    public String baseName;
    @Convert(converter = QuantizationStatus.DbConverter.class)
    public QuantizationStatus status;
    /** Requests not answered yet; the outcome lists them and clears this. */
    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "waiting_request_ids")
    public String[] waitingRequestIds;
    /** Requests received for this pair, answered or not. */
    @Column(name = "request_count")
    public int requestCount;
    /** Runs started (a run taken over after a crash counts again). */
    public int attempts;
    /** The process running it ({@code <worker>/<random>}) while {@code running}. */
    public String owner;
    @Column(name = "heartbeat_at")
    public OffsetDateTime heartbeatAt;
    @Column(name = "quantized_id")
    public String quantizedId;
    @Column(name = "quantized_digest")
    public String quantizedDigest;
    @Column(name = "bytes_before")
    public Long bytesBefore;
    @Column(name = "bytes_after")
    public Long bytesAfter;
    @Column(name = "mean_abs_error")
    public Double meanAbsError;
    @Column(name = "duration_ms")
    public Long durationMs;
    @Column(name = "engine_version")
    public String engineVersion;
    @Column(name = "error_code")
    public String errorCode;
    @Column(name = "error_message")
    public String errorMessage;
    /** A failure that may pass (artifact-store unreachable, ...): the next request tries again. */
    @Column(name = "error_retryable")
    public boolean errorRetryable;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;
    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    /** Adds a waiting request (once). */
    public void addWaiting(String requestId) {
        List<String> ids = waiting();
        if (!ids.contains(requestId)) {
            ids.add(requestId);
            waitingRequestIds = ids.toArray(String[]::new);
        }
    }

    /** The waiting request ids, in arrival order (a modifiable copy). */
    public List<String> waiting() {
        return new ArrayList<>(waitingRequestIds == null ? List.of() : Arrays.asList(waitingRequestIds));
    }

    /**
     * (base model digest, scheme, owner): {@code tenantId} is the tenant a private base model belongs to, {@code ""}
     * for a public one, so a private model's quantized variant is made and kept for its owner alone.
     */
    @Embeddable
    public record Key(@Column(name = "base_digest") String baseDigest, @Column(name = "scheme") String scheme,
                      @Column(name = "tenant_id") String tenantId) implements Serializable {

        public Key {
            tenantId = tenantId == null ? "" : tenantId;
        }

        /** The pair of a public base model. */
        public Key(String baseDigest, String scheme) {
            this(baseDigest, scheme, "");
        }

        /** The tenant a private base model belongs to; null for a public one. */
        public String owner() {
            return tenantId.isEmpty() ? null : tenantId;
        }

        @Override
        public String toString() {
            return baseDigest + "/" + scheme + (tenantId.isEmpty() ? "" : " (private to " + tenantId + ")");
        }
    }
}
