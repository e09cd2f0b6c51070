package dev.loraforge.events;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;

/**
 * Asks the brokers for the cluster's nodes with a hard time limit, for readiness checks: a broker
 * that does not answer in time counts as unreachable (the stock check waits a minute).
 */
public final class KafkaProbe implements AutoCloseable {

    private final Admin admin;
    private final int timeoutMillis;

    public KafkaProbe(String bootstrapServers, int timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMillis,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMillis,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000));
    }

    /**
     * @return the nodes as {@code host:port}
     * @throws IllegalStateException when no answer came within the time limit
     */
    public String nodes() {
        Collection<Node> nodes = answer("answered", admin.describeCluster(new DescribeClusterOptions()
                .timeoutMs(timeoutMillis)).nodes());
        return String.join(",", nodes.stream().map(n -> n.host() + ":" + n.port()).toList());
    }

    /**
     * @return the names among {@code wanted} that the cluster has no topic for (empty when all exist)
     * @throws IllegalStateException when no answer came within the time limit
     */
    public java.util.List<String> missingTopics(java.util.List<String> wanted) {
        java.util.Set<String> existing = answer("listed its topics", admin.listTopics(
                new org.apache.kafka.clients.admin.ListTopicsOptions().timeoutMs(timeoutMillis)).names());
        return wanted.stream().filter(t -> !existing.contains(t)).toList();
    }

    /** The admin call's result within the time limit, or an IllegalStateException saying what did not happen. */
    private <T> T answer(String what, org.apache.kafka.common.KafkaFuture<T> future) {
        try {
            return future.get(timeoutMillis + 500L, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            String reason = e.getCause() != null ? e.getCause().toString() : e.toString();
            throw new IllegalStateException("no Kafka broker " + what + " within " + timeoutMillis + " ms: " + reason, e);
        }
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(2));
    }
}
