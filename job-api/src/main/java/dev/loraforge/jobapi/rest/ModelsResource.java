package dev.loraforge.jobapi.rest;

import dev.loraforge.jobapi.auth.CallerTenant;
import dev.loraforge.jobapi.client.ArtifactStoreClient;
import dev.loraforge.jobapi.mapping.ApiObjects.ListObject;
import dev.loraforge.jobapi.mapping.ApiObjects.ModelObject;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.service.FineTunedNames;
import dev.loraforge.jobapi.service.ModelResolver;
import dev.loraforge.jobapi.webhooks.WebhookObjects.DeletedObject;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /v1/models}: the base models the caller may use (the public ones, {@code owned_by} "loraforge", and those
 * private to its tenant, {@code owned_by} the tenant) and the caller's fine-tuned models (listed); its training
 * checkpoints ({@code ft:...:ckpt-step-N}) can be retrieved and served but are not listed. Another tenant's private
 * base model does not exist for the caller (404).
 */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    static final String PLATFORM_OWNER = "loraforge";

    private final ArtifactStoreClient store;
    private final JobRepository jobs;
    private final CallerTenant caller;

    private final ModelResolver resolver;

    public ModelsResource(ArtifactStoreClient store, JobRepository jobs, CallerTenant caller, ModelResolver resolver) {
        this.resolver = resolver;
        this.store = store;
        this.jobs = jobs;
        this.caller = caller;
    }

    @GET
    public ListObject<ModelObject> list() {
        List<ModelObject> models = new ArrayList<>();
        store.baseModels(caller.id()).forEach(m -> models.add(base(m)));
        fineTuned().forEach(j -> models.add(fineTuned(j)));
        return new ListObject<>("list", models, false, null, null);
    }

    @GET
    @Path("/{model: .+}") // a base named ORG/NAME holds a slash
    public ModelObject retrieve(@PathParam("model") String model) {
        if (FineTunedNames.parseCheckpoint(model) != null) {
            return new ModelObject(model, "model", resolver.checkpointCreatedAt(caller.id(), model), caller.id());
        }
        if (model.startsWith("ft:")) {
            return fineTuned().stream().filter(j -> model.equals(j.fineTunedModel)).findFirst()
                    .map(ModelsResource::fineTuned)
                    .orElseThrow(() -> new ApiException(404, "invalid_request_error",
                            "The model '" + model + "' does not exist", "model", "model_not_found"));
        }
        return store.baseModel(model, caller.id()).map(ModelsResource::base)
                .orElseThrow(() -> new ApiException(404, "invalid_request_error",
                        "The model '" + model + "' does not exist", "model", "model_not_found"));
    }

    /**
     * Deletes one of the caller's fine-tuned models: it is no longer listed nor served (completions answer 404);
     * the job, its adapter and its lineage stay. Base models belong to the platform: 403.
     */
    @DELETE
    @Path("/{model: .+}") // a base named ORG/NAME holds a slash
    public DeletedObject delete(@PathParam("model") String model) {
        if (!model.startsWith("ft:")) {
            store.baseModel(model, caller.id()).orElseThrow(() -> notFound(model));
            throw new ApiException(403, "invalid_request_error", "The model '" + model + "' is a base model of the"
                    + " platform (the operator manages base models); only your own fine-tuned models (ft:...) can be"
                    + " deleted.", "model", "permission_denied");
        }
        String tenant = caller.id();
        boolean deleted = QuarkusTransaction.requiringNew().call(() -> {
            JobEntity job = jobs.find("tenantId = ?1 and fineTunedModel = ?2 and status = 'succeeded' and modelDeletedAt is null",
                    tenant, model).firstResult();
            if (job == null) {
                return false;
            }
            job.modelDeletedAt = OffsetDateTime.now(ZoneOffset.UTC);
            return true;
        });
        if (!deleted) {
            throw notFound(model);
        }
        return new DeletedObject(model, "model", true);
    }

    private static ApiException notFound(String model) {
        return new ApiException(404, "invalid_request_error", "The model '" + model + "' does not exist", "model",
                "model_not_found");
    }

    private List<JobEntity> fineTuned() {
        String tenant = caller.id();
        return QuarkusTransaction.requiringNew().call(() ->
                jobs.list("tenantId = ?1 and status = 'succeeded' and modelDeletedAt is null order by finishedAt desc", tenant));
    }

    private static ModelObject base(ArtifactStoreClient.BaseModel m) {
        return new ModelObject(m.name(), "model", m.createdAt(), m.tenantId() == null ? PLATFORM_OWNER : m.tenantId());
    }

    private static ModelObject fineTuned(JobEntity j) {
        return new ModelObject(j.fineTunedModel, "model", j.finishedAt.toEpochSecond(), j.tenantId);
    }
}
