package io.pgpulse.embedded;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.pgpulse.registry.SchemaRegistryServer;

/**
 * What the demo and the service tests need besides PostgreSQL: one embedded Kafka broker and
 * a schema registry storing its schemas on it.
 */
public final class EmbeddedRuntime implements AutoCloseable {

    private final EmbeddedKafka kafka;
    private final SchemaRegistryServer registry;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedRuntime(EmbeddedKafka kafka, SchemaRegistryServer registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    /** Starts the broker, then the registry on a free port. */
    public static EmbeddedRuntime start() throws IOException {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        try {
            return new EmbeddedRuntime(kafka, SchemaRegistryServer.start(kafka.bootstrapServers(), 0));
        } catch (IOException | RuntimeException e) {
            try {
                kafka.close();
            } catch (IOException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public SchemaRegistryServer registry() {
        return registry;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    /** Closes the registry, then the broker it stores schemas on. Safe to call twice. */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            registry.close();
        } finally {
            kafka.close();
        }
    }
}
