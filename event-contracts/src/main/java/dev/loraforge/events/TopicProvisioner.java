package dev.loraforge.events;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the platform's topics with their partition counts when they do not exist yet; idempotent. A deployment
 * step runs it before the services start ({@link #main}: {@code bin/platform}, the Helm chart's pre-install /
 * pre-upgrade topics job and compose's {@code topics} service); a service creates them itself at start only when
 * {@code loraforge.kafka.create-topics} is true (its dev and test profiles). Partition counts matter: the dispatch
 * topic's count bounds how many trainers work in parallel.
 */
public final class TopicProvisioner {

    /** Exit status: the broker was not reachable within the wait. */
    public static final int UNREACHABLE = 1;
    /** Exit status: the arguments are wrong. */
    public static final int USAGE = 2;
    static final String USAGE_TEXT = "usage: TopicProvisioner --bootstrap-servers HOST:PORT[,HOST:PORT...] "
            + "[--replication-factor N (1)] [--wait SECONDS (120)]  (KAFKA_BOOTSTRAP_SERVERS is the default servers)";

    private TopicProvisioner() {
    }

    /** Creates the missing topics of {@link Topics#ALL}, waiting for the broker; exits 0, 1 unreachable, 2 usage. */
    public static void main(String[] args) {
        System.exit(run(args, System.getenv("KAFKA_BOOTSTRAP_SERVERS"), System.out, System.err));
    }

    /** {@link #main} without exiting: the exit status. {@code defaultServers}: used without --bootstrap-servers. */
    static int run(String[] args, String defaultServers, java.io.PrintStream out, java.io.PrintStream err) {
        String servers = defaultServers;
        short replication = 1;
        long waitSeconds = 120;
        try {
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--bootstrap-servers" -> servers = value;
                    case "--replication-factor" -> replication = Short.parseShort(String.valueOf(value));
                    case "--wait" -> waitSeconds = Long.parseLong(String.valueOf(value));
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
                i++;
            }
            if (servers == null || servers.isBlank()) {
                throw new IllegalArgumentException("--bootstrap-servers is required");
            }
            if (replication < 1 || waitSeconds < 0) {
                throw new IllegalArgumentException("--replication-factor must be >= 1 and --wait >= 0");
            }
        } catch (IllegalArgumentException e) { // NumberFormatException too
            err.println("TopicProvisioner: " + e.getMessage() + "\n" + USAGE_TEXT);
            return USAGE;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        while (true) {
            try {
                List<String> created = ensure(servers, Topics.ALL, replication, 5_000);
                out.println("Kafka topics on " + servers + ": created " + created + ", "
                        + (Topics.ALL.size() - created.size()) + " already there");
                return 0;
            } catch (IllegalStateException e) {
                if (System.nanoTime() >= deadline) {
                    err.println("TopicProvisioner: " + e.getMessage() + " (waited " + waitSeconds + " s)");
                    return UNREACHABLE;
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return UNREACHABLE;
                }
            }
        }
    }

    /**
     * Ensures every topic of {@code topics} exists.
     *
     * @return the names this call created
     * @throws IllegalStateException when the broker cannot be reached within the timeout
     */
    public static List<String> ensure(String bootstrapServers, List<Topics.TopicSpec> topics, short replication,
                                      long timeoutMillis) {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMillis,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMillis, 5000)))) {
            Set<String> existing = admin.listTopics().names().get(timeoutMillis, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), t.partitions(), replication)).toList();
            if (missing.isEmpty()) {
                return List.of();
            }
            try {
                admin.createTopics(missing).all().get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating Kafka topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create Kafka topics on " + bootstrapServers + ": "
                    + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        }
    }
}
