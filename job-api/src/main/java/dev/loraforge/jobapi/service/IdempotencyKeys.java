package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * {@code Idempotency-Key} of job creates: the first request with a key creates the job; a retry
 * with the same key and the same body gets that job back; the same key with another body is
 * refused. The key's row is inserted before the job (ON CONFLICT DO NOTHING), so of two
 * concurrent requests with one key the second waits for the first to commit and then answers
 * its job.
 */
@ApplicationScoped
public class IdempotencyKeys {

    private final EntityManager em;

    public IdempotencyKeys(EntityManager em) {
        this.em = em;
    }

    /**
     * Claims {@code key} for a job about to be created with id {@code newJobId}.
     *
     * @return the id of the job an earlier request with this key created; empty when this request
     *     holds the key and must create {@code newJobId}
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<String> claim(String tenantId, String key, String requestBody, String newJobId) {
        if (key.isBlank() || key.length() > 255) {
            throw ApiException.invalid("Idempotency-Key must have 1 to 255 characters", "Idempotency-Key");
        }
        String hash = sha256(requestBody);
        int inserted = em.createNativeQuery("INSERT INTO idempotency_keys (tenant_id, key, request_hash, job_id) "
                        + "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant_id, key) DO NOTHING")
                .setParameter(1, tenantId).setParameter(2, key).setParameter(3, hash).setParameter(4, newJobId)
                .executeUpdate();
        if (inserted == 1) {
            return Optional.empty();
        }
        List<?> rows = em.createNativeQuery("SELECT request_hash, job_id FROM idempotency_keys "
                        + "WHERE tenant_id = ?1 AND key = ?2")
                .setParameter(1, tenantId).setParameter(2, key).getResultList();
        Object[] row = (Object[]) rows.get(0);
        if (!hash.equals(row[0])) {
            throw new ApiException(400, "invalid_request_error", "This Idempotency-Key was used with a different "
                    + "request body; use a new key for a new request.", "Idempotency-Key", "idempotency_key_reused");
        }
        return Optional.of((String) row[1]);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
