package io.pgpulse.bench.streams;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.bench.fleet.FleetSimulator;
import io.pgpulse.embedded.EmbeddedKafka;
import io.pgpulse.processor.PipelineTopology;
import io.pgpulse.processor.StreamProcessorApp;
import io.pgpulse.processor.rule.RuleSet;
import io.pgpulse.registry.SchemaRegistryServer;
import io.pgpulse.schemas.TopicProvisioner;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroDeserializer;
import io.pgpulse.schemas.serde.AvroSerdes;
import io.pgpulse.schemas.serde.AvroSerializer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The stream processor at fleet scale, with exactly-once on, on the embedded broker:
 * <ol>
 *   <li>a simulated fleet ({@link FleetSimulator}: 200 tables, 400 indexes and 50 statements
 *       per database, some databases misbehaving) puts a backlog of snapshots on the topic;</li>
 *   <li>a plain Kafka consumer reads the backlog: the ceiling;</li>
 *   <li>the processor works through the same backlog: sustained snapshots per second, and the
 *       bytes of state it keeps per source (latest value of every key of its changelogs);</li>
 *   <li>snapshots then arrive live at a rate below saturation, stamped with the moment they are
 *       sent, and each alert event is timed from that collection time to its arrival at a
 *       consumer of the alerts topic (read committed, as a sink reads).</li>
 * </ol>
 * Ends with {@code snapshots_per_s=N plain_consumer_ratio=R p50_ms=A p99_ms=B state_bytes_per_source=S}.
 */
@Command(name = "streams", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Stream-processor throughput, latency and state size on a simulated fleet, exactly-once on.")
public final class StreamsBench implements Callable<Integer> {

    @Option(names = "--sources", defaultValue = "2000", description = "Simulated databases (default ${DEFAULT-VALUE}).")
    int sources;

    @Option(names = "--rounds", defaultValue = "100", description = "Snapshots per database in the backlog (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warm-up", defaultValue = "0.5",
            description = "Share of the backlog processed before throughput is measured: the JIT compiler is still at"
                    + " work for the first minute or two, and a processor runs for months (default ${DEFAULT-VALUE}).")
    double warmUp;

    @Option(names = "--interval-s", defaultValue = "10", description = "Collection interval in the backlog, seconds (default ${DEFAULT-VALUE}).")
    int intervalS;

    @Option(names = "--troubled", defaultValue = "0.3", description = "Share of databases that misbehave (default ${DEFAULT-VALUE}).")
    double troubled;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of every topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--threads", defaultValue = "2", description = "Stream threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--store", defaultValue = "PERSISTENT", description = "PERSISTENT or IN_MEMORY (default ${DEFAULT-VALUE}).")
    PipelineTopology.StoreKind store;

    @Option(names = "--latency-seconds", defaultValue = "60", description = "Length of the live phase (default ${DEFAULT-VALUE}).")
    int latencySeconds;

    @Option(names = "--settle-seconds", defaultValue = "5",
            description = "Alerts are timed from this second of the live phase on, and only once the processor has"
                    + " caught up: the switch from the backlog to live traffic jumps minutes of event time, and every"
                    + " window of those minutes closes then (default ${DEFAULT-VALUE}).")
    int settleSeconds;

    @Option(names = "--latency-rate", defaultValue = "0",
            description = "Snapshots per second in the live phase; 0: 40 %% of the measured throughput, as records"
                    + " that come one at a time cost more than a backlog read in large batches (default ${DEFAULT-VALUE}).")
    int latencyRate;

    @Option(names = "--streams-config", paramLabel = "KEY=VALUE",
            description = "Further Kafka Streams settings for the processor, e.g. commit.interval.ms=500 (repeatable).")
    Map<String, String> streamsConfig = new HashMap<>();

    private static final String APP = "bench-streams";

    @Override
    public Integer call() throws Exception {
        Topics topics = Topics.defaults();
        Path stateDir = Files.createTempDirectory("pgpulse-bench-streams");
        log("machine: %d cores, %d MB max heap, Java %s", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() / 1_048_576, System.getProperty("java.version"));
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             SchemaRegistryServer registry = SchemaRegistryServer.start(kafka.bootstrapServers(), 0)) {
            TopicProvisioner.ensure(kafka.bootstrapServers(), topics, partitions);
            AvroSerdes serdes = new AvroSerdes(registry.url());
            long intervalMs = intervalS * 1000L;
            Instant start = Instant.ofEpochMilli((System.currentTimeMillis() - (rounds + 6L) * intervalMs) / 1000 * 1000);
            FleetSimulator fleet = new FleetSimulator(sources, troubled, 42, start, intervalMs);

            // 1. The backlog.
            long produceStart = System.nanoTime();
            long backlogBytes = produceBacklog(kafka.bootstrapServers(), topics, serdes, fleet, start, intervalMs);
            long backlog = (long) sources * rounds;
            log("backlog: %,d snapshots of %d databases, %,d bytes (%,d per snapshot), written in %.1f s", backlog,
                    sources, backlogBytes, backlogBytes / backlog, (System.nanoTime() - produceStart) / 1e9);

            Instant liveStart = start.plusMillis(rounds * intervalMs);

            // 2. The ceiling: a plain consumer reading the same bytes.
            // Three reads, the median: the machine is shared.
            List<double[]> reads = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                reads.add(plainConsumer(kafka.bootstrapServers(), topics.snapshots(), backlog, "bench-plain-consumer-" + i));
                log("plain consumer, read %d: %,.0f snapshots/s, %,.1f MB/s", i + 1, reads.get(i)[0], reads.get(i)[1] / 1e6);
            }
            reads.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] plain = reads.get(1);
            log("plain consumer: %,.0f snapshots/s, %,.1f MB/s (median of three)", plain[0], plain[1] / 1e6);

            // 3. The processor on the backlog.
            StreamProcessorApp.Config config = new StreamProcessorApp.Config(kafka.bootstrapServers(), registry.url(),
                    topics, APP, stateDir, PipelineTopology.Settings.defaults().withStores(store), RuleSet.defaults(), 0,
                    null, overrides());
            double rate;
            long stateBytes;
            List<Long> latencies;
            try (StreamProcessorApp app = new StreamProcessorApp(config)) {
                app.start();
                rate = sustainedRate(kafka.bootstrapServers(), topics.snapshots(), backlog, warmUp);
                log("processor: %,.0f snapshots/s sustained (%,.1f MB/s), exactly-once, %d stream threads, %s stores",
                        rate, rate * backlogBytes / backlog / 1e6, threads, store);
                stateBytes = stateBytes(kafka.bootstrapServers());
                log("state: %,d bytes in the changelogs' latest values, %,d per source", stateBytes, stateBytes / sources);

                // 4. Latency below saturation.
                // The live snapshots are made first (making them costs more CPU than processing them)
                // and stamped with their real collection time as they are sent.
                int liveRate = latencyRate > 0 ? latencyRate : (int) Math.max(50, rate * 0.4);
                try (LiveSnapshots live = makeLive(fleet, serdes, topics, liveStart, liveRate)) {
                    latencies = latency(kafka.bootstrapServers(), serdes, topics, live, liveRate);
                    log("live phase: %,d snapshots at %,d/s for %d s (each database every %.1f s); %,d alert events timed",
                            live.size(), liveRate, latencySeconds, (double) sources / liveRate, latencies.size());
                }
            }
            Collections.sort(latencies);
            long p50 = percentile(latencies, 0.50);
            long p99 = percentile(latencies, 0.99);
            double ratio = rate / plain[0];
            System.out.printf(Locale.ROOT, "snapshots_per_s=%.0f plain_consumer_ratio=%.2f p50_ms=%d p99_ms=%d"
                    + " state_bytes_per_source=%d%n", rate, ratio, p50, p99, stateBytes / sources);
            return 0;
        } finally {
            deleteTree(stateDir);
        }
    }

    private Map<String, Object> overrides() {
        Map<String, Object> o = new HashMap<>(streamsConfig);
        o.put("num.stream.threads", threads);
        return o;
    }

    private KafkaProducer<String, byte[]> producer(String bootstrap, int lingerMs) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, lingerMs, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.BATCH_SIZE_CONFIG, 262_144, ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8_388_608),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Writes every round of every database, generated on all cores; returns the bytes written. */
    private long produceBacklog(String bootstrap, Topics topics, AvroSerdes serdes, FleetSimulator fleet, Instant start,
                                long intervalMs) throws Exception {
        int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        long total = 0;
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap, 20)) {
            for (int round = 0; round < rounds; round++) {
                Instant at = start.plusMillis(round * intervalMs);
                List<Future<Long>> parts = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int worker = w;
                    parts.add(pool.submit(() -> {
                        AvroSerializer<PgSnapshot> serializer = serdes.serializer(PgSnapshot.class);
                        long bytes = 0;
                        for (int s = worker; s < sources; s += workers) {
                            // Sources collect at slightly different moments within the interval.
                            PgSnapshot snapshot = fleet.next(s, at.plusMillis((s * 7919L) % intervalMs));
                            byte[] value = serializer.serialize(topics.snapshots(), snapshot);
                            bytes += value.length;
                            producer.send(new ProducerRecord<>(topics.snapshots(), snapshot.getSourceId(), value));
                        }
                        return bytes;
                    }));
                }
                for (Future<Long> part : parts) {
                    total += part.get();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return total;
    }

    private LiveSnapshots makeLive(FleetSimulator fleet, AvroSerdes serdes, Topics topics, Instant from, int rate)
            throws Exception {
        int count = rate * latencySeconds;
        long stepUs = 1_000_000L / rate;
        int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
        int chunk = 4096;
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        LiveSnapshots live = new LiveSnapshots();
        try {
            String[] keys = new String[chunk];
            byte[][] values = new byte[chunk][];
            for (int first = 0; first < count; first += chunk) {
                int begin = first;
                int end = Math.min(count, first + chunk);
                List<Future<?>> parts = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int worker = w;
                    parts.add(pool.submit(() -> {
                        AvroSerializer<PgSnapshot> serializer = serdes.serializer(PgSnapshot.class);
                        // Each source stays with one worker, so its snapshots are made in order.
                        for (int i = begin; i < end; i++) {
                            int source = i % sources;
                            if (source % workers != worker) {
                                continue;
                            }
                            PgSnapshot snapshot = fleet.next(source, from.plusNanos(i * stepUs * 1000));
                            keys[i - begin] = snapshot.getSourceId();
                            values[i - begin] = serializer.serialize(topics.snapshots(), snapshot);
                        }
                        return null;
                    }));
                }
                for (Future<?> part : parts) {
                    part.get();
                }
                for (int i = begin; i < end; i++) {
                    live.append(keys[i - begin], values[i - begin]);
                }
            }
        } catch (Exception e) {
            live.close();
            throw e;
        } finally {
            pool.shutdownNow();
        }
        return live;
    }

    /** Sends the live snapshots at {@code rate}, each stamped as collected when sent; times the alerts they cause. */
    private List<Long> latency(String bootstrap, AvroSerdes serdes, Topics topics, LiveSnapshots live, int rate)
            throws Exception {
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        List<long[]> timeline = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong settledFrom = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        AvroDeserializer<Alert> alerts = serdes.deserializer(Alert.class);
        Thread consumer = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.GROUP_ID_CONFIG, "bench-latency"), new StringDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> parts = c.partitionsFor(topics.alerts()).stream()
                        .map(p -> new TopicPartition(topics.alerts(), p.partition())).toList();
                c.assign(parts);
                c.seekToEnd(parts);
                parts.forEach(c::position);
                ready.countDown();
                while (!stop.get()) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(50))) {
                        long now = System.currentTimeMillis();
                        Alert a = alerts.deserialize(topics.alerts(), r.value());
                        // Snapshot rules only: a window's event time is its end, and silence is a wall-clock matter.
                        if (a.getWindowSizeMs() == null && !a.getRule().equals("source_silent")
                                && a.getEventAt().toEpochMilli() >= settledFrom.get()) {
                            latencies.add(now - a.getEventAt().toEpochMilli());
                            timeline.add(new long[]{a.getEventAt().toEpochMilli(), now - a.getEventAt().toEpochMilli()});
                        }
                    }
                }
            }
        }, "bench-alert-consumer");
        consumer.start();
        if (!ready.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the alert consumer did not get its partitions within 60 s");
        }
        long sentBefore = System.currentTimeMillis();
        Thread settle = new Thread(() -> awaitCaughtUp(bootstrap, topics.snapshots(), sentBefore, rate, stop, settledFrom),
                "bench-settle");
        settle.start();
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap, 5)) {
            long begin = System.nanoTime();
            long stepNanos = 1_000_000_000L / rate;
            long[] sent = {0};
            live.forEach((key, value) -> {
                long due = begin + sent[0]++ * stepNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                CollectionTime.set(value, System.currentTimeMillis());
                producer.send(new ProducerRecord<>(topics.snapshots(), key, value));
            });
        }
        long sendTime = System.currentTimeMillis() - sentBefore;
        log("sent %,d live snapshots in %.1f s", live.size(), sendTime / 1000.0);
        Thread.sleep(3_000); // the last alerts
        stop.set(true);
        consumer.join(10_000);
        settle.join(10_000);
        if (settledFrom.get() == Long.MAX_VALUE) {
            log("the processor never caught up with the live snapshots: nothing timed (the rate is above saturation)");
        }
        if (Boolean.getBoolean("bench.timeline")) {
            java.util.TreeMap<Long, List<Long>> bySecond = new java.util.TreeMap<>();
            synchronized (timeline) {
                for (long[] t : timeline) {
                    bySecond.computeIfAbsent((t[0] - sentBefore) / 1000, k -> new ArrayList<>()).add(t[1]);
                }
            }
            bySecond.forEach((second, values) -> {
                Collections.sort(values);
                log("  second %d (:%02d of the minute): %d events, p50 %d ms, max %d ms", second,
                        (sentBefore / 1000 + second) % 60, values.size(), values.get(values.size() / 2),
                        values.get(values.size() - 1));
            });
        }
        return new ArrayList<>(latencies);
    }

    /**
     * Sets {@code settledFrom} to the first moment, at least {@code settleSeconds} into the live phase,
     * when the processor is less than half a second of snapshots behind (committed offsets).
     */
    private void awaitCaughtUp(String bootstrap, String topic, long sentBefore, int rate, AtomicBoolean stop,
                               java.util.concurrent.atomic.AtomicLong settledFrom) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Thread.sleep(settleSeconds * 1000L);
            while (!stop.get()) {
                Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
                parts.forEach(p -> latest.put(p, org.apache.kafka.clients.admin.OffsetSpec.latest()));
                long end = admin.listOffsets(latest).all().get().values().stream()
                        .mapToLong(org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
                long lag = end - committed(admin, topic);
                if (lag < rate / 2) {
                    long now = System.currentTimeMillis();
                    settledFrom.set(now);
                    log("caught up %.1f s into the live phase (%,d snapshots behind); alerts timed from here on",
                            (now - sentBefore) / 1000.0, lag);
                    return;
                }
                Thread.sleep(250);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("could not follow the processor's lag", e);
        }
    }

    private static double[] plainConsumer(String bootstrap, String topic, long expected, String group) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long count = 0;
            long bytes = 0;
            long first = 0;
            while (count < expected) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (count == 0) {
                        first = System.nanoTime();
                    }
                    count++;
                    bytes += r.value().length;
                }
            }
            double seconds = (System.nanoTime() - first) / 1e9;
            return new double[]{count / seconds, bytes / seconds};
        }
    }

    /**
     * Snapshots per second between {@code warmUp} and 95 % of the backlog, from the application's
     * committed offsets: the first part warms the JIT up (a processor runs for months; its first
     * minutes are not what it does) and fills the state.
     */
    private static double sustainedRate(String bootstrap, String topic, long expected, double warmUp) throws Exception {
        CpuAccount cpu = new CpuAccount();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            long t10 = 0;
            long c10 = 0;
            long lastLog = System.nanoTime();
            while (true) {
                long committed = committed(admin, topic);
                long now = System.nanoTime();
                if (t10 == 0 && committed >= (long) (expected * warmUp)) {
                    t10 = now;
                    c10 = committed;
                    cpu.start();
                }
                if (committed >= expected * 95 / 100) {
                    double rate = (committed - c10) / ((now - t10) / 1e9);
                    log("processor %s; %,.0f snapshots per busy core-second", cpu.stop(), rate / cpu.coresBusy());
                    while (committed(admin, topic) < expected) {
                        Thread.sleep(100);
                    }
                    return rate;
                }
                if (now - lastLog > 10_000_000_000L) {
                    log("  ... %,d of %,d snapshots processed", committed, expected);
                    lastLog = now;
                }
                Thread.sleep(100);
            }
        }
    }

    private static long committed(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(APP)
                .partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    /** Bytes of the latest value (and key) of every key of the processor's changelog topics: its state. */
    private static long stateBytes(String bootstrap) throws Exception {
        Set<String> changelogs;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            changelogs = admin.listTopics().names().get();
        }
        long total = 0;
        try (KafkaConsumer<Bytes, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new org.apache.kafka.common.serialization.BytesDeserializer(), new ByteArrayDeserializer())) {
            for (String topic : changelogs) {
                if (!topic.startsWith(APP + "-") || !topic.endsWith("-changelog")) {
                    continue;
                }
                List<TopicPartition> parts = c.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                c.assign(parts);
                c.seekToBeginning(parts);
                Map<TopicPartition, Long> end = c.endOffsets(parts);
                Map<Bytes, Integer> latest = new HashMap<>();
                while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                    for (ConsumerRecord<Bytes, byte[]> r : c.poll(Duration.ofMillis(200))) {
                        if (r.value() == null) {
                            latest.remove(r.key());
                        } else {
                            latest.put(r.key(), r.key().get().length + r.value().length);
                        }
                    }
                }
                long bytes = latest.values().stream().mapToLong(Integer::longValue).sum();
                log("  %s: %,d keys, %,d bytes", topic.substring(APP.length() + 1), latest.size(), bytes);
                total += bytes;
            }
        }
        return total;
    }

    private static long percentile(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return -1;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[bench] " + format + "%n", args);
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
