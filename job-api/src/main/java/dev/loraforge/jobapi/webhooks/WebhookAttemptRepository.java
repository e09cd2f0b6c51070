package dev.loraforge.jobapi.webhooks;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

@ApplicationScoped
public class WebhookAttemptRepository implements PanacheRepositoryBase<WebhookAttemptEntity, Long> {

    /** The attempts of these deliveries, in order, by delivery. */
    public Map<String, List<WebhookAttemptEntity>> forDeliveries(Collection<String> deliveryIds) {
        if (deliveryIds.isEmpty()) {
            return Map.of();
        }
        return list("deliveryId in ?1 order by deliveryId, attempt, id", deliveryIds).stream()
                .collect(Collectors.groupingBy(a -> a.deliveryId));
    }
}
