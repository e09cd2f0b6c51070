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
 */
@ApplicationScoped
public class JobEventStream {

    static final int POLL_SECONDS = 2;
    private static final int BATCH = 500;

    private final JobEventRepository events;
    private final JobRepository jobs;
    private final Map<String, Set<BroadcastProcessor<Long>>> wakeups = new ConcurrentHashMap<>();

    public JobEventStream(JobEventRepository events, JobRepository jobs) {
        this.events = events;
        this.jobs = jobs;
    }

    void added(@Observes(during = TransactionPhase.AFTER_SUCCESS) JobEventAdded added) {
        Set<BroadcastProcessor<Long>> listeners = wakeups.get(added.jobId());
        if (listeners != null) {
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
                    }
                });
    }

    /** The events after the cursor; then the end marker once the job has ended and all were sent. */
    private List<Item> next(String jobId, AtomicReference<String> cursor) {
        return QuarkusTransaction.requiringNew().call(() -> {
            JobEntity job = jobs.findById(jobId);
            List<JobEventEntity> batch = events.since(jobId, cursor.get(), BATCH);
            List<Item> items = new ArrayList<>();
            batch.forEach(e -> items.add(new Item(e)));
            if (!batch.isEmpty()) {
                cursor.set(batch.get(batch.size() - 1).id);
            }
            if ((job == null || job.isTerminal()) && batch.size() < BATCH) {
                items.add(new Item(null));
            }
            return items;
        });
    }
}
