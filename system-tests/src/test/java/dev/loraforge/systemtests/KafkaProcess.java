package dev.loraforge.systemtests;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The system tests' Kafka broker as a process of its own ({@code dev.loraforge.kafka.LocalKafka}'s main, as
 * {@code bin/platform} runs it), so a test can kill it with SIGKILL mid-write and start it again on the same ports and
 * data directory, as a crashed broker comes back. Its output goes to {@code kafka.log} beside the services' logs.
 */
final class KafkaProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    final int port;
    final int controllerPort;
    private final Path dataDir;
    private final Path log;
    private Process process;

    private KafkaProcess(int port, int controllerPort, Path dataDir, Path log) {
        this.port = port;
        this.controllerPort = controllerPort;
        this.dataDir = dataDir;
        this.log = log;
    }

    /** A broker on two free loopback ports with its data in {@code dataDir}, started and ready. */
    static KafkaProcess startOnFreePorts(Path dataDir, Path logDir) throws IOException {
        int port;
        int controllerPort;
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
            port = a.getLocalPort();
            controllerPort = b.getLocalPort();
        }
        Files.createDirectories(logDir);
        KafkaProcess kafka = new KafkaProcess(port, controllerPort, dataDir, logDir.resolve("kafka.log"));
        kafka.start();
        return kafka;
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Starts the broker (again) and waits until it says it is ready. */
    void start() {
        try {
            long from = Files.exists(log) ? Files.size(log) : 0;
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"), "dev.loraforge.kafka.LocalKafka",
                    "--port", String.valueOf(port), "--controller-port", String.valueOf(controllerPort),
                    "--data-dir", dataDir.toString());
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            while (!said("Kafka broker ready", from)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the Kafka broker exited (" + process.exitValue() + "); see " + log);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the Kafka broker was not ready within " + READY_TIMEOUT + "; see " + log);
                }
                Thread.sleep(200);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the Kafka broker: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: the broker dies at once, whatever it was writing. */
    void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private boolean said(String text, long from) throws IOException {
        if (!Files.exists(log)) {
            return false;
        }
        byte[] all = Files.readAllBytes(log);
        return from < all.length && new String(all, (int) from, all.length - (int) from, StandardCharsets.UTF_8).contains(text);
    }

    @Override
    public void close() {
        kill();
    }
}
