package dev.loraforge.jobapi.webhooks;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.List;
import org.jboss.logging.Logger;

/** At start, encrypts the webhook secrets stored before they were encrypted at rest ({@link SecretCipher}). */
@ApplicationScoped
public class SecretEncryption {

    private static final Logger LOG = Logger.getLogger(SecretEncryption.class);

    private final EntityManager em;

    public SecretEncryption(EntityManager em) {
        this.em = em;
    }

    void onStart(@Observes StartupEvent start) {
        int n = encryptPlaintext();
        if (n > 0) {
            LOG.infof("encrypted %d webhook secrets stored in plain text", n);
        }
    }

    /** Encrypts every plain-text secret; returns how many endpoints were changed. */
    @Transactional
    @SuppressWarnings("unchecked")
    public int encryptPlaintext() {
        SecretCipher cipher = new SecretCipher();
        List<Object[]> rows = em.createNativeQuery("SELECT id, secret, previous_secret FROM webhook_endpoints"
                + " WHERE secret NOT LIKE 'enc:v1:%' OR previous_secret NOT LIKE 'enc:v1:%' FOR UPDATE").getResultList();
        for (Object[] row : rows) {
            String secret = (String) row[1];
            String previous = (String) row[2];
            em.createNativeQuery("UPDATE webhook_endpoints SET secret = ?1, previous_secret = ?2 WHERE id = ?3")
                    .setParameter(1, SecretCipher.encrypted(secret) ? secret : cipher.convertToDatabaseColumn(secret))
                    .setParameter(2, previous == null || SecretCipher.encrypted(previous) ? previous
                            : cipher.convertToDatabaseColumn(previous))
                    .setParameter(3, row[0])
                    .executeUpdate();
        }
        return rows.size();
    }
}
