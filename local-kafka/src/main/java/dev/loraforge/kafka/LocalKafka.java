package dev.loraforge.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one process),
 * started from the Kafka jars: no Docker, no download. Used in-process by the services' tests
 * ({@link KafkaBrokerResource}) and as its own process by {@code bin/platform}.
 */
public final class LocalKafka implements AutoCloseable {

    private final Path dataDir;
    private final String host;
    private final int port;
    private final int controllerPort;
    private final KafkaRaftServer server;

    private LocalKafka(Path dataDir, String host, int port, int controllerPort, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.host = host;
        this.port = port;
        this.controllerPort = controllerPort;
        this.server = server;
    }

    /** Starts a broker on free ports in a fresh temporary directory. */
    public static LocalKafka startOnFreePorts() {
        try {
            int[] ports = freePorts(2);
            return start(Files.createTempDirectory("loraforge-kafka-"), "127.0.0.1", ports[0], ports[1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Formats the storage unless the directory already holds a formatted broker (its topics are kept) and starts the broker.
     * Returns when the broker answers a cluster description.
     */
    public static LocalKafka start(Path dataDir, String host, int port, int controllerPort) {
        try {
            Files.createDirectories(dataDir);
            Path config = dataDir.resolve("server.properties");
            Properties props = brokerProperties(dataDir, host, port, controllerPort);
            try (Writer out = Files.newBufferedWriter(config)) {
                props.store(out, "LoRA Forge local Kafka broker (KRaft, single node)");
            }
            if (!Files.exists(dataDir.resolve("data").resolve("meta.properties"))) {
                int formatted = StorageTool.execute(new String[] {
                    "format", "--cluster-id", Uuid.randomUuid().toString(), "--config", config.toString()},
                    new PrintStream(PrintStream.nullOutputStream()));
                if (formatted != 0) {
                    throw new IllegalStateException("kafka storage format failed for " + dataDir);
                }
            }
            KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            server.startup();
            LocalKafka kafka = new LocalKafka(dataDir, host, port, controllerPort, server);
            kafka.awaitReady(Duration.ofSeconds(60));
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Kafka data directory " + dataDir, e);
        }
    }

    static Properties brokerProperties(Path dataDir, String host, int port, int controllerPort) {
        Properties p = new Properties();
        p.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", "1"),
                Map.entry("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://" + host + ":" + port),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("controller.quorum.voters", "1@" + host + ":" + controllerPort),
                Map.entry("log.dirs", dataDir.resolve("data").toString()),
                Map.entry("num.partitions", "4"),
                Map.entry("default.replication.factor", "1"),
                Map.entry("min.insync.replicas", "1"),
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "4"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("auto.create.topics.enable", "false"),
                Map.entry("log.flush.interval.messages", "1000")));
        return p;
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
                if (!admin.describeCluster().nodes().get().isEmpty()) {
                    return;
                }
            } catch (Exception e) {
                last = new IllegalStateException(e.getMessage(), e);
            }
            sleep(200);
        }
        close();
        throw new IllegalStateException("Kafka broker on " + bootstrapServers() + " did not become ready in "
                + timeout.toSeconds() + " s", last);
    }

    /** {@code host:port} for clients. */
    public String bootstrapServers() {
        return host + ":" + port;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    static int freePort() throws IOException {
        return freePorts(1)[0];
    }

    /** {@code n} distinct free ports: all sockets stay open until every port is picked, so none repeats. */
    static int[] freePorts(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0);
                sockets[i].setReuseAddress(true);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
    }

    /**
     * {@code java -cp ... dev.loraforge.kafka.LocalKafka [--host H] [--port P] [--controller-port C] [--data-dir D]}:
     * runs the broker until SIGTERM / Ctrl-C.
     */
    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 9092;
        int controllerPort = 9093;
        Path dataDir = Path.of(".loraforge", "kafka");
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--host" -> host = required(args[i], value);
                case "--port" -> port = Integer.parseInt(required(args[i], value));
                case "--controller-port" -> controllerPort = Integer.parseInt(required(args[i], value));
                case "--data-dir" -> dataDir = Path.of(required(args[i], value));
                case "-h", "--help" -> {
                    System.out.println("usage: LocalKafka [--host 127.0.0.1] [--port 9092] [--controller-port 9093] [--data-dir DIR]");
                    return;
                }
                default -> {
                    System.err.println("unknown option " + args[i] + " (try --help)");
                    System.exit(2);
                }
            }
            i++;
        }
        LocalKafka kafka = start(dataDir, host, port, controllerPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Kafka broker stopping");
            kafka.close();
            stopped.countDown();
        }, "kafka-shutdown"));
        System.out.println("Kafka broker ready on " + kafka.bootstrapServers() + " (data " + dataDir.toAbsolutePath() + ")");
        stopped.await();
    }

    private static String required(String option, String value) {
        if (value == null) {
            System.err.println("option " + option + " needs a value");
            System.exit(2);
        }
        return value;
    }
}
