package dev.loraforge.postgres;

import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The {@code testcontainers} Maven profile ({@code mvn -B verify -Ptestcontainers}, where Docker runs): the tests'
 * PostgreSQL and Kafka as containers instead of the machine's server and the in-process broker. One of each per test
 * JVM, started on first use and removed by Testcontainers when the JVM exits. Only loaded when
 * {@link EmbeddedDatabaseListener#containersWanted()} (the profile sets {@code LORAFORGE_TESTCONTAINERS}), so the
 * Testcontainers jars are needed only then.
 */
public final class Containers {

    /** The images: the PostgreSQL major the platform is tested on, the Kafka of docker-compose.yml. */
    static final String POSTGRES_IMAGE = "postgres:17";
    static final String KAFKA_IMAGE = "apache/kafka:4.1.2";

    private static PostgreSQLContainer postgres;
    private static KafkaContainer kafka;

    private Containers() {
    }

    /** The PostgreSQL container ({@code host:port}), user {@code postgres} without a password (trust), database test. */
    public static synchronized String postgres() {
        if (postgres == null) {
            PostgreSQLContainer c = new PostgreSQLContainer(POSTGRES_IMAGE).withDatabaseName("test").withUsername("postgres")
                    .withPassword("postgres").withEnv("POSTGRES_HOST_AUTH_METHOD", "trust");
            c.start();
            postgres = c;
        }
        return postgres.getHost() + ":" + postgres.getMappedPort(5432);
    }

    /** The Kafka container's bootstrap servers. */
    public static synchronized String kafka() {
        if (kafka == null) {
            KafkaContainer c = new KafkaContainer(KAFKA_IMAGE);
            c.start();
            kafka = c;
        }
        return kafka.getBootstrapServers();
    }
}
