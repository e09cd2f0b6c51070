package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobEventEntity;
import dev.loraforge.jobapi.repository.JobEventRepository;
import dev.loraforge.jobapi.repository.JobRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Live event streams of jobs. A stream is woken as soon as a new event of its job commits in this
 * replica, and polls every {@value #POLL_SECONDS} s as well (events written by another job-api
 * replica); it ends after the job's final event. Resumable from an event id ({@code Last-Event-ID}).
 *
 * <p>Streams of one job that stand at the same event share one read: a fetch of the events after a cursor is reused
 * by every stream asking with that cursor while it is fresh (started after the job's latest event committed here, and
 * less than {@value #SHARED_FETCH_MILLIS} ms ago, so other replicas' events are read as soon as without sharing). A
 * thousand clients following a running job cost one query per new event, not a thousand.
 */
@ApplicationScoped
public class JobEventStream {

    static final int POLL_SECONDS = 2;
    private static final int BATCH = 500;
    static final long SHARED_FETCH_MILLIS = 250;
    /** Fetches kept per job (each a cursor streams stood at); beyond it the job's are dropped and read again. */
    private static final int FETCHES_PER_JOB = 64;

    private final JobEventRepository events;
    private final JobRepository jobs;
    private final Map<String, Set<BroadcastProcessor<Long>>> wakeups = new ConcurrentHashMap<>();
    /** jobId to the time (System.nanoTime) its latest event committed in this replica. */
    private final Map<String, Long> committedAt = new ConcurrentHashMap<>();
    /** jobId to its shared fetches by cursor ("" for the start). */
    private final Map<String, Map<String, Fetch>> fetches = new ConcurrentHashMap<>();

    /** One read of a job's events after a cursor, shared while fresh. */
    private record Fetch(long startedAt, java.util.concurrent.CompletableFuture<Page> result) {
    }

    /** Events after a cursor (oldest first) and whether the job had ended with all of them read. */
    private record Page(List<JobEventEntity> events, boolean ended) {
    }

    public JobEventStream(JobEventRepository events, JobRepository jobs) {
        this.events = events;
        this.jobs = jobs;
    }

    void added(@Observes(during = TransactionPhase.AFTER_SUCCESS) JobEventAdded added) {
        Set<BroadcastProcessor<Long>> listeners = wakeups.get(added.jobId());
        if (listeners != null) {
            committedAt.put(added.jobId(), System.nanoTime());
            listeners.forEach(p -> p.onNext(0L));
        }
    }

    /** An event to send, or the end of the stream ({@code event == null}). */
    private record Item(JobEventEntity event) {
    }

    /** The job's events after {@code afterId} (all when null), then each new one as it comes. */
    public Multi<JobEventEntity> follow(String jobId, String afterId) {
        AtomicReference<String> cursor = new AtomicReference<>(afterId);
        BroadcastProcessor<Long> wake = BroadcastProcessor.create();
        wakeups.computeIfAbsent(jobId, id -> new CopyOnWriteArraySet<>()).add(wake);
        Multi<Long> ticks = Multi.createBy().merging().streams(
                Multi.createFrom().item(0L), wake, Multi.createFrom().ticks().every(Duration.ofSeconds(POLL_SECONDS)));
        return ticks
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .onItem().transformToIterable(tick -> next(jobId, cursor))
                .select().first(item -> item.event() != null)
                .map(Item::event)
                .onTermination().invoke(() -> {
                    Set<BroadcastProcessor<Long>> listeners = wakeups.get(jobId);
                    if (listeners != null) {
                        listeners.remove(wake);
                        if (listeners.isEmpty()) { // nobody follows the job here any more: forget its reads
                            fetches.remove(jobId);
                            committedAt.remove(jobId);
                        }
                    }
                });
    }

    /** The events after the cursor; then the end marker once the job has ended and all were sent. */
    private List<Item> next(String jobId, AtomicReference<String> cursor) {
        Page page = page(jobId, cursor.get());
        List<Item> items = new ArrayList<>(page.events().size() + 1);
        page.events().forEach(e -> items.add(new Item(e)));
        if (!page.events().isEmpty()) {
            cursor.set(page.events().get(page.events().size() - 1).id);
        }
        if (page.ended()) {
            items.add(new Item(null));
        }
        return items;
    }

    /** The events after {@code cursor}: a fresh fetch another stream made, or a new one. */
    private Page page(String jobId, String cursor) {
        long now = System.nanoTime();
        Fetch mine = new Fetch(now, new java.util.concurrent.CompletableFuture<>());
        Map<String, Fetch> byCursor = fetches.computeIfAbsent(jobId, id -> new ConcurrentHashMap<>());
        if (byCursor.size() > FETCHES_PER_JOB) {
            byCursor.clear();
        }
        Long committed = committedAt.get(jobId);
        Fetch fetch = byCursor.compute(cursor == null ? "" : cursor, (k, old) -> old != null
                && (committed == null || old.startedAt() - committed > 0)
                && now - old.startedAt() < SHARED_FETCH_MILLIS * 1_000_000 ? old : mine);
        if (fetch == mine) {
            try {
                mine.result().complete(read(jobId, cursor));
            } catch (RuntimeException e) {
                mine.result().completeExceptionally(e);
                byCursor.remove(cursor == null ? "" : cursor, mine);
                throw e;
            }
        }
        return fetch.result().join();
    }

    private Page read(String jobId, String cursor) {
        return QuarkusTransaction.requiringNew().call(() -> {
            JobEntity job = jobs.findById(jobId);
            List<JobEventEntity> batch = job == null ? List.of() : events.since(job, cursor, BATCH);
            return new Page(List.copyOf(batch), (job == null || job.isTerminal()) && batch.size() < BATCH);
        });
    }
}
