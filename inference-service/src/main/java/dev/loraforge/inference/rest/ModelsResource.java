package dev.loraforge.inference.rest;

import dev.loraforge.inference.service.ModelStore;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /internal/v1/loaded}: what is in memory now (base digests; "base#load/adapter" keys), least recently used first. */
@Path("/internal/v1/loaded")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    /** The caches' contents. */
    public record Loaded(List<String> baseModels, List<String> adapters, long adapterLoads) {
    }

    private final ModelStore models;

    public ModelsResource(ModelStore models) {
        this.models = models;
    }

    @GET
    public Loaded loaded() {
        return new Loaded(models.loadedBases(), models.loadedAdapters(), models.adapterLoads());
    }
}
