package dev.loraforge.jobapi.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.jobapi.client.ArtifactStoreClient;
import dev.loraforge.jobapi.mapping.ApiObjects.CheckpointObject;
import dev.loraforge.jobapi.mapping.ApiObjects.EventObject;
import dev.loraforge.jobapi.mapping.ApiObjects.JobObject;
import dev.loraforge.jobapi.mapping.ApiObjects.ListObject;
import dev.loraforge.jobapi.mapping.JobMapper;
import dev.loraforge.jobapi.repository.CheckpointEntity;
import dev.loraforge.jobapi.repository.CheckpointRepository;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobEventEntity;
import dev.loraforge.jobapi.repository.JobEventRepository;
import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.service.JobControlService;
import dev.loraforge.jobapi.service.JobEventStream;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.UriInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.jobapi.service.JobMetadata;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import dev.loraforge.jobapi.service.DryRunService;
import dev.loraforge.jobapi.service.JobService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import dev.loraforge.jobapi.auth.CallerTenant;
import io.quarkus.panache.common.Page;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.InputStream;
import java.util.List;

/** {@code /v1/fine_tuning/jobs}, as OpenAI's fine-tuning API. */
@Path("/v1/fine_tuning/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobsResource {

    private final JobService service;
    private final JobRepository jobs;
    private final JobEventRepository events;
    private final JobMapper mapper;
    private final CallerTenant caller;
    private final JobControlService control;
    private final CheckpointRepository checkpointRepository;
    private final ArtifactStoreClient store;
    private final JobEventStream eventStream;
    private final ObjectMapper json;
    private final DryRunService dryRuns;
    private final ModelDownloads downloads;

    public JobsResource(JobService service, JobRepository jobs, JobEventRepository events, JobMapper mapper,
                        CallerTenant caller, JobControlService control, CheckpointRepository checkpointRepository,
                        ArtifactStoreClient store, JobEventStream eventStream, ObjectMapper json, DryRunService dryRuns,
                        ModelDownloads downloads) {
        this.dryRuns = dryRuns;
        this.downloads = downloads;
        this.eventStream = eventStream;
        this.json = json;
        this.caller = caller;
        this.control = control;
        this.checkpointRepository = checkpointRepository;
        this.store = store;
        this.service = service;
        this.jobs = jobs;
        this.events = events;
        this.mapper = mapper;
    }

    /**
     * A retried create with the same {@code Idempotency-Key} answers the job the first one created. With
     * {@code "dry_run": true} nothing is created: the answer is a {@code fine_tuning.job.dry_run}
     * ({@link DryRunService}).
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Object create(CreateJobRequest request, @HeaderParam("Idempotency-Key") String idempotencyKey) {
        if (request != null && Boolean.TRUE.equals(request.dryRun())) {
            return dryRuns.dryRun(caller.id(), request);
        }
        return mapper.job(service.create(caller.id(), request, idempotencyKey));
    }

    @POST
    @Path("/{jobId}/cancel")
    public JobObject cancel(@PathParam("jobId") String jobId) {
        return mapper.job(control.cancel(caller.id(), jobId));
    }

    /** Pauses a running job: the trainer saves a checkpoint and stops. */
    @POST
    @Path("/{jobId}/pause")
    public JobObject pause(@PathParam("jobId") String jobId) {
        return mapper.job(control.pause(caller.id(), jobId));
    }

    /** Resumes a paused job from its latest checkpoint. */
    @POST
    @Path("/{jobId}/resume")
    public JobObject resume(@PathParam("jobId") String jobId) {
        return mapper.job(control.resume(caller.id(), jobId));
    }

    /** The job's checkpoints, newest first, as OpenAI lists them. */
    @GET
    @Path("/{jobId}/checkpoints")
    @Transactional
    public ListObject<CheckpointObject> checkpoints(@PathParam("jobId") String jobId,
                                                    @QueryParam("after") String after,
                                                    @QueryParam("limit") String limit) {
        JobEntity job = find(jobId);
        int size = PageLimit.parse(limit, 10, 100);
        List<CheckpointEntity> all = checkpointRepository.forJob(jobId);
        int from = 0;
        if (after != null) {
            from = -1;
            for (int i = 0; i < all.size() && from < 0; i++) {
                if (all.get(i).id.equals(after)) {
                    from = i + 1;
                }
            }
            if (from < 0) {
                throw ApiException.notFound("checkpoint", after, "after");
            }
        }
        List<CheckpointObject> data = all.stream().skip(from).limit(size).map(c -> mapper.checkpoint(job, c)).toList();
        return ListObject.of(data, from + size < all.size(), CheckpointObject::id);
    }

    /**
     * Extension: the fine-tuned model to take anywhere, as {@link ModelDownloads} describes: {@code format=peft}
     * (default; the PEFT adapter directory as a tar: {@code adapter_config.json}, {@code adapter_model.safetensors}),
     * {@code merged} (a full Hugging Face model directory, tar) or {@code gguf} (GGUF v3, f16); with
     * {@code Content-Length} and ranges.
     */
    @GET
    @Path("/{jobId}/adapter")
    @Produces({"application/x-tar", MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    @Blocking
    public Response adapter(@PathParam("jobId") String jobId, @QueryParam("format") String format,
                            @HeaderParam("Range") String range) {
        JobEntity job = QuarkusTransaction.requiringNew().call(() -> find(jobId));
        return downloads.download(job, format, range);
    }

    /**
     * Extension: where the job's adapter comes from, artifact-store's lineage graph of it
     * ({@code root}, {@code direction}, {@code nodes} with the root first, {@code edges}
     * [{child, parent, relation}]): base model, quantized base, datasets, checkpoints.
     */
    @GET
    @Path("/{jobId}/lineage")
    public JsonNode lineage(@PathParam("jobId") String jobId) {
        JobEntity job = QuarkusTransaction.requiringNew().call(() -> find(jobId));
        if (job.adapterId == null) {
            throw ApiException.invalid("Job " + jobId + " has no adapter yet: its status is '" + job.status
                    + "'; the lineage is that of the adapter of a succeeded job.", "fine_tuning_job_id");
        }
        return store.lineage(job.adapterId, job.tenantId)
                .orElseThrow(() -> ApiException.notFound("adapter", job.adapterId, "fine_tuning_job_id"));
    }

    /**
     * Newest first; {@code after} is the id of the last job of the previous page. OpenAI's metadata filter:
     * {@code metadata[k]=v} (repeatable: every pair must match), or {@code metadata=null} for jobs without metadata.
     */
    @GET
    @Transactional
    public ListObject<JobObject> list(@QueryParam("after") String after,
                                      @QueryParam("limit") String limit,
                                      @Context UriInfo uri) {
        int size = PageLimit.parse(limit, 20, 100);
        JobEntity cursor = after == null ? null : jobs.findForTenant(caller.id(), after)
                .orElseThrow(() -> ApiException.notFound("fine-tuning job", after, "after"));
        ObjectNode filter = json.createObjectNode();
        boolean withoutMetadata = false;
        for (var e : uri.getQueryParameters().entrySet()) {
            String name = e.getKey();
            if (name.equals("metadata")) {
                if (!e.getValue().equals(List.of("null"))) {
                    throw ApiException.invalid("metadata filters are metadata[key]=value, or metadata=null for jobs"
                            + " without metadata", "metadata");
                }
                withoutMetadata = true;
            } else if (name.startsWith("metadata[") && name.endsWith("]")) {
                String key = name.substring("metadata[".length(), name.length() - 1);
                JobMetadata.checkKey(key, "metadata");
                if (e.getValue().size() != 1) {
                    throw ApiException.invalid("metadata[" + key + "] is given " + e.getValue().size()
                            + " times; give each key once", "metadata");
                }
                JobMetadata.checkValue(e.getValue().get(0), "metadata[" + key + "]", "metadata");
                filter.put(key, e.getValue().get(0));
            }
        }
        if (withoutMetadata && !filter.isEmpty()) {
            throw ApiException.invalid("metadata=null (jobs without metadata) cannot be combined with metadata[key]"
                    + " filters", "metadata");
        }
        List<JobEntity> page = jobs.page(caller.id(), cursor, filter.isEmpty() ? null : filter.toString(),
                withoutMetadata, size + 1);
        boolean more = page.size() > size;
        List<JobObject> data = page.stream().limit(size).map(mapper::job).toList();
        return ListObject.of(data, more, JobObject::id);
    }

    @GET
    @Path("/{jobId}")
    @Transactional
    public JobObject retrieve(@PathParam("jobId") String jobId) {
        return mapper.job(find(jobId));
    }

    @GET
    @Path("/{jobId}/events")
    @Transactional
    public ListObject<EventObject> events(@PathParam("jobId") String jobId,
                                          @QueryParam("after") String after,
                                          @QueryParam("limit") String limit) {
        JobEntity job = find(jobId);
        int size = PageLimit.parse(limit, 20, 100);
        List<JobEventEntity> page;
        if (after == null) {
            page = events.forJob(job, size + 1);
        } else {
            JobEventEntity cursor = events.find(job, after);
            if (cursor == null) {
                throw ApiException.notFound("fine-tuning job event", after, "after");
            }
            page = events.olderThan(job, cursor, size + 1);
        }
        List<EventObject> data = page.stream().map(mapper::event).toList();
        return ListObject.of(data.stream().limit(size).toList(), data.size() > size, EventObject::id);
    }

    /**
     * Extension: the job's events as Server-Sent Events, oldest first, then live until the job
     * ends ({@code event: fine_tuning.job.event}, {@code id} = the event id; a reconnecting client
     * sends {@code Last-Event-ID} and continues after it).
     */
    @GET
    @Path("/{jobId}/events/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> stream(@PathParam("jobId") String jobId,
                                          @HeaderParam("Last-Event-ID") String lastEventId,
                                          @Context Sse sse) {
        QuarkusTransaction.requiringNew().run(() -> find(jobId));
        return eventStream.follow(jobId, lastEventId).map(e -> sse.newEventBuilder()
                .id(e.id).name("fine_tuning.job.event")
                .mediaType(MediaType.APPLICATION_JSON_TYPE)
                .data(String.class, mapper.eventJson(e))
                .build());
    }

    private JobEntity find(String jobId) {
        return jobs.findForTenant(caller.id(), jobId)
                .orElseThrow(() -> ApiException.notFound("fine-tuning job", jobId, "fine_tuning_job_id"));
    }
}
