package dev.loraforge.jobapi.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.jobapi.webhooks.DeliveryLedger.Claim;
import dev.loraforge.jobapi.webhooks.DeliveryLedger.Outcome;
import dev.loraforge.jobapi.webhooks.Receiver.Received;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PfxOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connect-time check, without Quarkus: host names under {@code .test} (which never resolve) are
 * answered by a fake resolver, so a request that arrives went to the address the guard looked up and
 * checked, and nowhere else. Receivers listen on 127.0.0.1.
 */
class WebhookSenderTest {

    private static Vertx vertx;
    private static Receiver receiver;
    private static WebhookConfig config;

    @BeforeAll
    static void start() throws IOException {
        vertx = Vertx.vertx();
        receiver = Receiver.start();
        // the real mapping with its defaults, shorter timeouts; durations written as Quarkus reads them ("5s")
        config = new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 100, new DurationConverter())
                .withMapping(WebhookConfig.class)
                .withSources(new PropertiesConfigSource(Map.of(
                        "jobapi.webhooks.connect-timeout", "2s",
                        "jobapi.webhooks.request-timeout", "5s"), "test", 500))
                .build()
                .getConfigMapping(WebhookConfig.class);
    }

    @AfterAll
    static void stop() {
        receiver.close();
        vertx.close();
    }

    /** A fake DNS: each lookup of a name takes the next of its scripted answers (the last one repeats). */
    private static final class Dns implements UrlGuard.Resolver {
        private final Map<String, Deque<String>> answers;
        final AtomicInteger lookups = new AtomicInteger();

        Dns(Map<String, List<String>> answers) {
            this.answers = new java.util.HashMap<>();
            answers.forEach((host, addresses) -> this.answers.put(host, new ArrayDeque<>(addresses)));
        }

        @Override
        public synchronized InetAddress[] resolve(String host) throws UnknownHostException {
            lookups.incrementAndGet();
            Deque<String> left = answers.get(host);
            if (left == null) {
                throw new UnknownHostException(host);
            }
            String address = left.size() > 1 ? left.poll() : left.peek();
            return new InetAddress[]{InetAddress.getByName(address)};
        }
    }

    static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static Claim claim(String url) {
        return new Claim("whd_" + UUID.randomUUID(), "token", 1, "evt_" + UUID.randomUUID(), "fine_tuning.job.succeeded",
                "ftjob-1", "{\"id\":\"evt\"}", "wh_1", URI.create(url), WebhookSigner.newSecret(), null, null, TRACEPARENT);
    }

    private static String pathOn(int port, String host) {
        return "http://" + host + ":" + port + "/hook-" + UUID.randomUUID();
    }

    private static int receiverPort() {
        return URI.create(receiver.newUrl()).getPort();
    }

    @Test
    void aHostReboundToARefusedAddressAtDeliveryIsNotContacted() {
        Dns dns = new Dns(Map.of("rebind.customer.test", List.of("93.184.216.34", "127.0.0.1")));
        UrlGuard guard = new UrlGuard(false, dns);
        WebhookSender sender = new WebhookSender(config, vertx, guard, null);
        String url = pathOn(receiverPort(), "rebind.customer.test");

        assertThat(guard.check(url)).as("public when the endpoint is created").isNotNull();
        Outcome outcome = sender.send(claim(url));

        assertThat(outcome.statusCode()).isNull();
        assertThat(outcome.error()).startsWith("not sent: ")
                .contains("url host 'rebind.customer.test' resolves to 127.0.0.1, which is a loopback address");
        assertThat(receiver.at(url)).as("requests that reached the receiver").isEmpty();
        assertThat(dns.lookups).as("one lookup at create, one at delivery").hasValue(2);
        sender.close();
    }

    @Test
    void aHostWithOneRefusedAddressAmongItsAnswersIsNotContacted() {
        UrlGuard guard = new UrlGuard(false, host -> new InetAddress[]{
                InetAddress.getByName("93.184.216.34"), InetAddress.getByName("192.0.2.10")});
        WebhookSender sender = new WebhookSender(config, vertx, guard, null);
        Outcome outcome = sender.send(claim("https://mixed.customer.test/hook"));
        assertThat(outcome.statusCode()).isNull();
        assertThat(outcome.error()).startsWith("not sent: ").contains("resolves to 192.0.2.10").contains("TEST-NET-1");
        sender.close();
    }

    @Test
    void connectsToTheAddressTheGuardLookedUpNamingTheUrlsHost() {
        // private URLs allowed, so 127.0.0.1 may be delivered to; the next answer would be a dead address
        Dns dns = new Dns(Map.of("hooks.customer.test", List.of("127.0.0.1", "192.0.2.1")));
        WebhookSender sender = new WebhookSender(config, vertx, new UrlGuard(true, dns), null);
        int port = receiverPort();
        String url = pathOn(port, "hooks.customer.test") + "?tenant=a%20b";

        Outcome outcome = sender.send(claim(url));

        assertThat(outcome.error()).isNull();
        assertThat(outcome.statusCode()).isEqualTo(200);
        assertThat(dns.lookups).as("the client did not look the name up again").hasValue(1);
        List<Received> got = receiver.at(url);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).header("host")).isEqualTo("hooks.customer.test:" + port);
        assertThat(got.get(0).header("webhook-signature")).startsWith("v1,");
        assertThat(got.get(0).header("traceparent")).as("the delivery's trace context").isEqualTo(TRACEPARENT);
        sender.close();
    }

    @Test
    void httpsKeepsSniAndTheCertificateCheckOnTheUrlsHost(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("receiver.p12");
        keytool("-genkeypair", "-alias", "receiver", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=hooks.customer.test", "-ext", "san=dns:hooks.customer.test", "-validity", "2",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        assertThat(keystore).exists();
        PfxOptions pfx = new PfxOptions().setPath(keystore.toString()).setPassword("changeit");
        List<String> seen = new CopyOnWriteArrayList<>(); // "SNI Host" of each request received
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true).setKeyCertOptions(pfx))
                .requestHandler(request -> {
                    seen.add(request.connection().indicatedServerName() + " " + request.getHeader("Host"));
                    request.response().setStatusCode(204).end();
                })
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        int port = server.actualPort();
        try {
            Dns dns = new Dns(Map.of("hooks.customer.test", List.of("127.0.0.1"), "other.customer.test", List.of("127.0.0.1")));
            WebhookSender sender = new WebhookSender(config, vertx, new UrlGuard(true, dns), pfx);

            Outcome ok = sender.send(claim("https://hooks.customer.test:" + port + "/hook"));
            assertThat(ok.error()).isNull();
            assertThat(ok.statusCode()).isEqualTo(204);
            assertThat(seen).containsExactly("hooks.customer.test hooks.customer.test:" + port);

            // same server, same address, but the certificate does not name this host: refused by the client
            Outcome wrongHost = sender.send(claim("https://other.customer.test:" + port + "/hook"));
            assertThat(wrongHost.statusCode()).isNull();
            assertThat(wrongHost.error()).startsWith("connection error");
            assertThat(seen).hasSize(1);
            sender.close();
        } finally {
            server.close();
        }
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as("keytool: " + output).isZero();
    }
}
