package dev.loraforge.contracts.auth;

import java.time.Clock;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * A service's side of service authentication, from its configuration: {@code loraforge.service-auth.name} (this
 * service, the issuer of its tokens and the audience its own API checks), {@code loraforge.service-auth.key} (the
 * platform's service key, {@code LORAFORGE_SERVICE_KEY}), {@code loraforge.service-auth.callers} (the services allowed
 * to call this one) and {@code loraforge.service-auth.enforce} (true unless the service authenticates its callers
 * otherwise: job-api, whose callers are tenants).
 */
public final class ServiceAuth {

    /** The identity of operators' tools. */
    public static final String OPERATOR = "operator";

    private static volatile ServiceTokens tokens;

    private ServiceAuth() {
    }

    /** This service's token issuer and verifier; fails, saying which setting is wrong, when unconfigured. */
    public static ServiceTokens tokens() {
        ServiceTokens t = tokens;
        if (t == null) {
            synchronized (ServiceAuth.class) {
                if (tokens == null) {
                    Config config = ConfigProvider.getConfig();
                    tokens = new ServiceTokens(config.getOptionalValue("loraforge.service-auth.name", String.class).orElse(null),
                            config.getOptionalValue("loraforge.service-auth.key", String.class).orElse(null),
                            Clock.systemUTC());
                }
                t = tokens;
            }
        }
        return t;
    }

    /** {@code Bearer <token>} of this service for a call to {@code audience}. */
    public static String authorizationFor(String audience) {
        return tokens().authorization(audience);
    }

    /**
     * {@code Bearer <token>} of the {@code operator} identity for {@code audience}, valid for an hour: what operators'
     * tools (and the services' own API tests) present; a service accepts it where it names {@code operator} among its
     * callers.
     */
    public static String operatorAuthorization(String audience) {
        return "Bearer " + ServiceTokens.issue(ServiceTokens.checkedKey(ConfigProvider.getConfig()
                        .getOptionalValue("loraforge.service-auth.key", String.class).orElse(null)),
                OPERATOR, audience, java.time.Instant.now(), ServiceTokens.MAX_TTL);
    }

    /** The services allowed to call this one. */
    public static Set<String> callers() {
        String list = ConfigProvider.getConfig().getOptionalValue("loraforge.service-auth.callers", String.class).orElse("");
        return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    /** Whether this service's API requires service tokens. */
    public static boolean enforced() {
        return ConfigProvider.getConfig().getOptionalValue("loraforge.service-auth.enforce", Boolean.class).orElse(true);
    }
}
