package dev.loraforge.jobapi.webhooks;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.List;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A tenant's webhook endpoint: where its job events go and the secret that signs them. */
@Entity
@Table(name = "webhook_endpoints")
public class WebhookEndpointEntity {
    public static final String ENABLED = "enabled";
    public static final String DISABLED = "disabled";

    @Id
    public String id;
    @Column(name = "tenant_id")
    public String tenantId;
    public String url;
    public String description;
    /** Event types sent here, a subset of {@link WebhookEventTypes#ALL}. */
    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] events;
    /** {@code whsec_<base64>}; encrypted at rest ({@link SecretCipher}). */
    @Convert(converter = SecretCipher.class)
    public String secret;
    @Column(name = "previous_secret")
    @Convert(converter = SecretCipher.class)
    public String previousSecret;
    @Column(name = "previous_secret_expires_at")
    public OffsetDateTime previousSecretExpiresAt;
    /** {@link #ENABLED} or {@link #DISABLED}. */
    public String status;
    @Column(name = "status_reason")
    public String statusReason;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    public boolean wants(String eventType) {
        return ENABLED.equals(status) && List.of(events).contains(eventType);
    }
}
