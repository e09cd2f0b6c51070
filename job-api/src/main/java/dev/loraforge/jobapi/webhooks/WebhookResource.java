package dev.loraforge.jobapi.webhooks;

import dev.loraforge.jobapi.auth.CallerTenant;
import dev.loraforge.jobapi.mapping.ApiObjects.ListObject;
import dev.loraforge.jobapi.rest.ApiException;
import dev.loraforge.jobapi.webhooks.WebhookObjects.CreateWebhookRequest;
import dev.loraforge.jobapi.webhooks.WebhookObjects.DeletedObject;
import dev.loraforge.jobapi.webhooks.WebhookObjects.DeliveryObject;
import dev.loraforge.jobapi.webhooks.WebhookObjects.EndpointObject;
import dev.loraforge.jobapi.webhooks.WebhookObjects.RotateSecretRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import dev.loraforge.jobapi.rest.PageLimit;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code /v1/webhooks}: a tenant's webhook endpoints and their delivery log. Job endings are sent
 * to them signed per Standard Webhooks (see {@link WebhookDispatcher}).
 */
@Path("/v1/webhooks")
@Produces(MediaType.APPLICATION_JSON)
public class WebhookResource {

    private final WebhookService service;
    private final CallerTenant caller;

    public WebhookResource(WebhookService service, CallerTenant caller) {
        this.service = service;
        this.caller = caller;
    }

    /** {@code {"url", "events"?, "description"?}}; the answer carries the signing secret, shown only here. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public EndpointObject create(CreateWebhookRequest request) {
        return service.create(caller.id(), request);
    }

    /** Newest first; {@code after} is the id of the last endpoint of the previous page. */
    @GET
    public ListObject<EndpointObject> list(@QueryParam("after") String after,
                                           @QueryParam("limit") String limit) {
        return service.page(caller.id(), after, PageLimit.parse(limit, 20, 100));
    }

    @GET
    @Path("/{webhookId}")
    public EndpointObject retrieve(@PathParam("webhookId") String webhookId) {
        return service.retrieve(caller.id(), webhookId);
    }

    /** Deletes the endpoint; its pending deliveries stop and its delivery log goes with it. */
    @DELETE
    @Path("/{webhookId}")
    public DeletedObject delete(@PathParam("webhookId") String webhookId) {
        service.delete(caller.id(), webhookId);
        return new DeletedObject(webhookId, "webhook_endpoint.deleted", true);
    }

    /**
     * A new secret, shown in the answer. {@code {"grace_period_seconds": N}} keeps the replaced
     * secret signing too for N seconds (deliveries then carry both signatures); without it the old
     * secret stops at once.
     */
    @POST
    @Path("/{webhookId}/rotate_secret")
    public EndpointObject rotateSecret(@PathParam("webhookId") String webhookId, RotateSecretRequest request) {
        return service.rotate(caller.id(), webhookId, request == null ? null : request.gracePeriodSeconds());
    }

    /** The endpoint's deliveries, newest first, each with its attempts; {@code after} is a delivery id. */
    @GET
    @Path("/{webhookId}/deliveries")
    public ListObject<DeliveryObject> deliveries(@PathParam("webhookId") String webhookId,
                                                 @QueryParam("after") String after,
                                                 @QueryParam("limit") String limit) {
        return service.deliveries(caller.id(), webhookId, after, PageLimit.parse(limit, 20, 100));
    }
}
