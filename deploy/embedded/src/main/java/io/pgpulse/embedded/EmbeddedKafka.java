package io.pgpulse.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker in KRaft mode, running inside this JVM.
 *
 * <p>One node is both controller and broker. Its log directory is a fresh temporary directory
 * that {@link #close()} deletes, so every instance starts empty. Replication factors and
 * minimum in-sync replicas are 1 (the defaults of 3 and 2 make transactional producers and
 * Kafka Streams {@code exactly_once_v2} wait forever on one node), which is all that differs
 * from a production broker as far as clients can tell.
 *
 * <p>The broker can be stopped and started again on the same ports and log directory
 * ({@link #stop()}, {@link #resume()}, {@link #restart()}), which is how tests take Kafka away from a client
 * for a while: the topics and their records are still there when it comes back.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    /** The log cleaner allocates this much at start; the default is 128 MiB. */
    private static final int CLEANER_BUFFER_BYTES = 2 * 1024 * 1024;
    /** Partitions of __consumer_offsets and __transaction_state; 50 each is slow to create on a laptop. */
    private static final int INTERNAL_TOPIC_PARTITIONS = 5;

    private KafkaRaftServer server;
    private final Properties config;
    private final Path directory;
    private final String bootstrapServers;
    private final Admin admin;
    private final ShutdownGuard shutdownGuard;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(KafkaRaftServer server, Properties config, Path directory, String bootstrapServers) {
        this.server = server;
        this.config = config;
        this.directory = directory;
        this.bootstrapServers = bootstrapServers;
        this.admin = Admin.create(adminConfig(bootstrapServers));
        this.shutdownGuard = ShutdownGuard.install("embedded-kafka", this::stopQuietly);
    }

    /**
     * Formats storage in a new temporary directory, starts the broker on free loopback ports
     * and returns once it answers a metadata request.
     */
    public static EmbeddedKafka start() throws IOException {
        long startedNanos = System.nanoTime();
        Path directory = Files.createTempDirectory("pgpulse-kafka-");
        try {
            int[] ports = FreePorts.distinct(2);
            int brokerPort = ports[0];
            int controllerPort = ports[1];
            Properties config = brokerConfig(directory, brokerPort, controllerPort);
            formatStorage(directory, config);

            KafkaRaftServer server = startServer(config);
            EmbeddedKafka kafka = new EmbeddedKafka(server, config, directory, HOST + ":" + brokerPort);
            kafka.awaitReady();
            LOG.info("Kafka broker ready at {} in {} ms", kafka.bootstrapServers,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
            return kafka;
        } catch (IOException | RuntimeException e) {
            deleteAfterFailedStart(directory, e);
            throw e;
        }
    }

    private static KafkaRaftServer startServer(Properties config) {
        KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            // Half-started: the controller may own threads and ports already.
            server.shutdown();
            server.awaitShutdown();
            throw e;
        }
        return server;
    }

    /**
     * Stops the broker but keeps its log directory and ports, so that resuming brings the
     * same cluster back ({@link #resume()}). Clients see the broker as unreachable meanwhile. A no-op when stopped.
     */
    public synchronized void stop() {
        if (closed.get() || server == null) {
            return;
        }
        long startedNanos = System.nanoTime();
        server.shutdown();
        server.awaitShutdown();
        server = null;
        LOG.info("Kafka broker at {} stopped (log directory kept) in {} ms", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
    }

    /** Starts the stopped broker again on the same ports and log directory; a no-op when running. */
    public synchronized void resume() throws IOException {
        if (closed.get()) {
            throw new IllegalStateException("This EmbeddedKafka is closed; its log directory is gone");
        }
        if (server != null) {
            return;
        }
        long startedNanos = System.nanoTime();
        server = startServer(config);
        awaitReady();
        LOG.info("Kafka broker at {} started again in {} ms", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
    }

    /** {@link #stop()} then {@link #resume()}. */
    public void restart() throws IOException {
        stop();
        resume();
    }

    /** Whether the broker is running (not stopped and not closed). */
    public synchronized boolean isRunning() {
        return server != null && !closed.get();
    }

    /** {@code 127.0.0.1:PORT} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Creates a topic with replication factor 1; a topic that already exists is left as it is.
     *
     * @param configs topic-level configs such as {@code cleanup.policy}; may be empty
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(configs, "configs");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        NewTopic topic = new NewTopic(name, Optional.of(partitions), Optional.of((short) 1)).configs(configs);
        try {
            admin.createTopics(List.of(topic)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                LOG.debug("Topic {} exists already", name);
                return;
            }
            throw new IllegalStateException("Could not create topic " + name + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Creating topic " + name + " took longer than " + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic " + name, e);
        }
    }

    /** Stops the broker, waits for it to finish and deletes its log directory. Safe to call twice. */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        shutdownGuard.remove();
        stopBroker();
        Directories.deleteRecursively(directory);
    }

    private void stopQuietly() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopBroker();
        try {
            Directories.deleteRecursively(directory);
        } catch (IOException e) {
            LOG.warn("Could not delete Kafka directory {}: {}", directory, e.toString());
        }
    }

    private synchronized void stopBroker() {
        long startedNanos = System.nanoTime();
        admin.close(Duration.ZERO);
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
        LOG.info("Kafka broker at {} stopped in {} ms", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IOException("Interrupted while waiting for the Kafka broker", e);
            }
        }
        close();
        throw new IOException("Kafka broker at " + bootstrapServers + " did not answer within " + READY_TIMEOUT, last);
    }

    /** The broker configuration; every line here differs from Kafka's default for a reason. */
    private static Properties brokerConfig(Path directory, int brokerPort, int controllerPort) {
        Properties config = new Properties();
        config.put("process.roles", "broker,controller");
        config.put("node.id", Integer.toString(NODE_ID));
        config.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        config.put("controller.listener.names", "CONTROLLER");
        config.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        config.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        config.put("inter.broker.listener.name", "PLAINTEXT");
        config.put("log.dirs", directory.resolve("logs").toString());

        // One node: every replication requirement must be satisfiable by it alone.
        config.put("offsets.topic.replication.factor", "1");
        config.put("offsets.topic.num.partitions", Integer.toString(INTERNAL_TOPIC_PARTITIONS));
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("transaction.state.log.num.partitions", Integer.toString(INTERNAL_TOPIC_PARTITIONS));
        config.put("share.coordinator.state.topic.replication.factor", "1");
        config.put("share.coordinator.state.topic.min.isr", "1");
        config.put("default.replication.factor", "1");
        config.put("min.insync.replicas", "1");
        config.put("num.partitions", "1");

        // Tests create and join consumer groups all the time; do not wait 3 s for more members.
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("log.cleaner.dedupe.buffer.size", Integer.toString(CLEANER_BUFFER_BYTES));
        return config;
    }

    /**
     * Writes meta.properties and the bootstrap metadata, as {@code kafka-storage.sh format} does.
     * {@code StorageTool.execute} is the tool's main without the {@code System.exit}; it reads
     * the configuration from a file, so the properties are written out first.
     */
    private static void formatStorage(Path directory, Properties config) throws IOException {
        Path configFile = directory.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(configFile)) {
            config.store(out, "pgpulse embedded Kafka broker");
        }
        String clusterId = Uuid.randomUuid().toString();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exitCode;
        try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            exitCode = StorageTool.execute(
                    new String[] {"format", "-t", clusterId, "-c", configFile.toString()}, printStream);
        } catch (RuntimeException e) {
            // FormatterException and TerseFailure carry the tool's own explanation.
            throw new IOException("Formatting Kafka storage in " + directory + " failed: " + e.getMessage(), e);
        }
        if (exitCode != 0) {
            throw new IOException("Formatting Kafka storage in " + directory + " failed with exit code "
                    + exitCode + ": " + output.toString(StandardCharsets.UTF_8));
        }
        LOG.debug("Formatted Kafka storage: {}", output.toString(StandardCharsets.UTF_8).trim());
    }

    private static Properties adminConfig(String bootstrapServers) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "pgpulse-embedded-kafka-admin");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        // The broker answers within milliseconds once up; back off briefly while it starts.
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        return config;
    }

    private static void deleteAfterFailedStart(Path directory, Exception cause) {
        try {
            Directories.deleteRecursively(directory);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
