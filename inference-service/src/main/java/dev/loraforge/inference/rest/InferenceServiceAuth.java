package dev.loraforge.inference.rest;

import dev.loraforge.events.platform.ServiceAuthFilter;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;

/**
 * The platform's service-token check ({@link ServiceAuthFilter}) on this service's API. The other services get the
 * filter by indexing event-contracts; this one does not index it (that would bring the Kafka beans into a service
 * without Kafka), so it registers a filter of its own that delegates (a subclass would not be seen as a filter: its
 * superclass is outside the index).
 */
@Provider
@PreMatching
@Priority(Priorities.AUTHENTICATION)
public class InferenceServiceAuth implements ContainerRequestFilter {

    private final ServiceAuthFilter check = new ServiceAuthFilter();

    @Override
    public void filter(ContainerRequestContext request) {
        check.filter(request);
    }
}
