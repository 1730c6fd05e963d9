package io.pgpulse.launcher;

import io.pgpulse.registry.SchemaRegistryServer;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgpulse registry}: the Confluent-compatible schema registry alone, over a Kafka cluster's {@code _schemas}. */
@Command(name = "registry",
        description = {
                "Runs pgpulse's Confluent-compatible schema registry (REST API v1, Avro) on its own.",
                "",
                "Schemas live in the compacted topic _schemas of the given Kafka cluster (created if missing), so a "
                        + "restarted registry keeps its ids and several registries over one cluster agree on them. "
                        + "Compatibility is BACKWARD unless set with PUT /config or PUT /config/{subject}. "
                        + "Ctrl-C stops it.",
                ""},
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true)
final class RegistryCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,HOST:PORT]",
            description = "Kafka cluster holding the _schemas topic.")
    String bootstrapServers;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8081",
            description = "HTTP port to listen on (default: ${DEFAULT-VALUE}, Confluent's; 0 picks a free one).")
    int port;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = SchemaRegistryServer.LOOPBACK,
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every "
                    + "interface). The API has no authentication of its own.")
    String host;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            System.err.println("pgpulse registry: --port must be 0 to 65535, found " + port);
            return 2;
        }
        SchemaRegistryServer registry = SchemaRegistryServer.start(bootstrapServers, host, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            registry.close();
            stopped.countDown();
        }, "pgpulse-registry-shutdown"));
        System.out.println("pgpulse registry: serving " + registry.url() + " over _schemas at " + bootstrapServers
                + " (try: curl " + registry.url() + "/subjects)");
        stopped.await();
        return 0;
    }
}
