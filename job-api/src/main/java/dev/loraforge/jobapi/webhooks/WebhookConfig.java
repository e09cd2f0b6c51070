package dev.loraforge.jobapi.webhooks;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of webhook endpoints and their delivery ({@code jobapi.webhooks.*}, env {@code JOBAPI_WEBHOOKS_*}). */
@ConfigMapping(prefix = "jobapi.webhooks")
public interface WebhookConfig {

    /**
     * Accept endpoint URLs whose host resolves to this host's own addresses, or to loopback,
     * private, link-local, unique-local, multicast, unspecified, cloud-metadata, documentation,
     * benchmarking or other special-purpose addresses ({@link UrlGuard}). Only for local development
     * and tests: with it, any tenant can make this service call into its own network.
     */
    @WithDefault("false")
    boolean allowPrivateUrls();

    /** How often the dispatcher looks for due deliveries. */
    @WithDefault("1s")
    Duration pollInterval();

    /** Attempts one replica sends at once (its worker pool); more due deliveries wait for a free worker. */
    @WithDefault("4")
    int workers();

    /** Time to open the connection to a receiver. */
    @WithDefault("5s")
    Duration connectTimeout();

    /** Time for a whole attempt: connect, send, the receiver's answer and its body. */
    @WithDefault("15s")
    Duration requestTimeout();

    /**
     * A claimed attempt whose outcome is not recorded within this time (its replica stopped) may be
     * claimed again by another replica. Must exceed {@link #requestTimeout()}.
     */
    @WithDefault("60s")
    Duration claimTimeout();

    /**
     * Retry delays grow exponentially with full jitter: after the n-th failed attempt the next one
     * waits a uniformly random time in [0, min(backoff-cap, backoff-base * 2^(n-1))].
     */
    @WithDefault("5s")
    Duration backoffBase();

    /** Ceiling of one retry delay. */
    @WithDefault("12h")
    Duration backoffCap();

    /**
     * Attempts per delivery, the first included; then the delivery is {@code failed}. With the
     * defaults (5 s, 12 h, 18) the last attempt comes about 1.2 days after the event on average, at
     * most about 2.4 days, as the Standard Webhooks schedule recommends (retries spanning days).
     */
    @WithDefault("18")
    int maxAttempts();

    /** Longest time a rotation may keep the previous secret signing too. */
    @WithDefault("7d")
    Duration maxGracePeriod();

    /** Webhook endpoints one tenant may have. */
    @WithDefault("20")
    int maxEndpointsPerTenant();

    /** {@code User-Agent} of every delivery. */
    @WithDefault("LoRAForge-Webhooks/1.0")
    String userAgent();
}
