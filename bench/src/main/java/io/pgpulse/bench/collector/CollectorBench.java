package io.pgpulse.bench.collector;

import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.collector.metric.MetricCatalog;
import io.pgpulse.collector.target.SnapshotCollector;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.embedded.EmbeddedRuntime;
import io.pgpulse.embedded.PostgresOptions;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.postgresql.PGConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What a snapshot costs, side by side with Debian's prometheus-postgres-exporter 0.11
 * scraping the same database with the same coverage (its example queries plus per-index
 * ones): server time (pg_stat_statements, planning tracked, per role), the collector's
 * own CPU, and bytes. pgpulse's slow groups (sizes, bloat estimates, settings, pg_stat_io)
 * are measured apart, per run, with their interval. Then one agent, in its own JVM,
 * watches a fleet of databases at a 10 s interval: its CPU share and heap.
 */
@Command(name = "collector", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Snapshot cost against prometheus-postgres-exporter on one big database, then one agent on a fleet.")
public final class CollectorBench implements Callable<Integer> {

    /** Slow groups, measured apart (they do not run in every snapshot). */
    static final Set<String> SLOW_GROUPS = Set.of("table_sizes", "index_sizes", "settings", "io");

    @Option(names = "--tables", defaultValue = "2000", description = "Tables in the big database, two indexes each (default ${DEFAULT-VALUE}).")
    int tables;

    @Option(names = "--runs", defaultValue = "9", description = "Snapshots and scrapes measured (medians reported; default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--fleet-databases", defaultValue = "200", description = "Databases of the fleet (default ${DEFAULT-VALUE}).")
    int fleetDatabases;

    @Option(names = "--fleet-tables", defaultValue = "100", description = "Tables per fleet database (default ${DEFAULT-VALUE}).")
    int fleetTables;

    @Option(names = "--fleet-interval-s", defaultValue = "10", description = "Fleet snapshot interval (default ${DEFAULT-VALUE}).")
    int fleetIntervalS;

    @Option(names = "--fleet-measure-s", defaultValue = "60", description = "Seconds the fleet agent is measured (default ${DEFAULT-VALUE}).")
    int fleetMeasureS;

    @Option(names = "--postgres-version", defaultValue = "16",
            description = "PostgreSQL major (default ${DEFAULT-VALUE}: the newest the exporter 0.11's built-in queries know).")
    int major;

    /** Snapshots taken before measuring, for the JIT (the agent runs for days). */
    static final int WARM_UP = 5;

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    @Override
    public Integer call() throws Exception {
        installExporter();
        PostgresOptions options = PostgresOptions.of(major)
                .withSetting("max_connections", Integer.toString(fleetDatabases + 60))
                .withSetting("pg_stat_statements.track_planning", "on")
                .withSetting("pg_stat_statements.max", "10000")
                .withSetting("shared_buffers", "256MB")
                .withSetting("autovacuum", "off");
        say("starting PostgreSQL " + major + " and making " + tables + " tables with " + 2 * tables + " indexes");
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(options)) {
            try (Connection conn = pg.connect("postgres"); Statement st = conn.createStatement()) {
                for (String role : List.of("pgpulse", "exporter")) {
                    st.execute(String.format(BenchSql.load("create-role.sql"), ident(conn, role)));
                }
            }
            pg.createDatabase("bench");
            makeObjects(pg, "bench", tables);

            Costs[] sideBySide = measureSideBySide(pg);
            Costs pgpulse = sideBySide[0];
            Costs exporter = sideBySide[1];
            SlowCosts slow = measureSlowGroups(pg);

            say(String.format(Locale.ROOT, "pgpulse  per snapshot: server %.1f ms, CPU %.1f ms, %d bytes (Avro)",
                    pgpulse.serverMs, pgpulse.cpuMs, pgpulse.bytes));
            say(String.format(Locale.ROOT, "exporter per scrape:   server %.1f ms, CPU %.1f ms, %d bytes (text)",
                    exporter.serverMs, exporter.cpuMs, exporter.bytes));
            say(String.format(Locale.ROOT, "ratios pgpulse/exporter: server %.2f (target <= 0.5), CPU %.2f (<= 0.2), bytes %.3f (<= 0.1)",
                    pgpulse.serverMs / exporter.serverMs, pgpulse.cpuMs / exporter.cpuMs,
                    (double) pgpulse.bytes / exporter.bytes));
            say(String.format(Locale.ROOT, "pgpulse slow groups (table_sizes, index_sizes every 5m; settings 5m; io 60s): "
                    + "server %.1f ms, CPU %.1f ms, %d bytes per run", slow.costs.serverMs, slow.costs.cpuMs, slow.costs.bytes));

            say("making " + fleetDatabases + " databases of " + fleetTables + " tables for the fleet agent");
            makeFleet(pg);
            String fleet;
            try (EmbeddedRuntime runtime = EmbeddedRuntime.start()) {
                fleet = runFleetAgent(runtime, pg);
            }
            say("fleet agent: " + fleet);
            System.out.println(String.format(Locale.ROOT,
                    "server_ms_per_snapshot=%.1f exporter_server_ms_per_scrape=%.1f cpu_ms_per_snapshot=%.1f "
                            + "exporter_cpu_ms_per_scrape=%.1f snapshot_bytes=%d exporter_bytes=%d %s",
                    pgpulse.serverMs, exporter.serverMs, pgpulse.cpuMs, exporter.cpuMs, pgpulse.bytes, exporter.bytes,
                    fleetFigures(fleet)));
        }
        return 0;
    }

    record Costs(double serverMs, double cpuMs, long bytes) {
    }

    record SlowCosts(Costs costs) {
    }

    /**
     * Scrapes and snapshots taken in turn, so that whatever else the shared machine is doing
     * weighs on both sides alike; each side's server time is its own role's in pg_stat_statements.
     */
    private Costs[] measureSideBySide(EmbeddedPostgres pg) throws Exception {
        say("side by side: " + runs + " exporter scrapes and " + runs + " pgpulse snapshots, in turn, after warming both up");
        String dsn = "postgresql://exporter@127.0.0.1:" + pg.port() + "/bench?sslmode=disable";
        TargetConfig target = new TargetConfig("bench", pg.jdbcUrl("bench"), "pgpulse", null, Duration.ofSeconds(10), Map.of());
        try (PostgresExporter exporter = PostgresExporter.start(dsn);
             SnapshotCollector collector = new SnapshotCollector(target, MetricCatalog.defaults(), Clock.systemUTC());
             Connection stats = pg.connect("bench")) {
            exporter.scrape();
            collector.collect(); // the first snapshot runs every group, slow ones included, and prepares the statements
            for (int i = 0; i < WARM_UP; i++) {
                collector.collect(); // the JIT's turn (the agent runs for days)
            }
            reset(stats);
            List<Double> exporterServer = new ArrayList<>();
            List<Double> exporterCpu = new ArrayList<>();
            List<Double> exporterBytes = new ArrayList<>();
            List<Double> server = new ArrayList<>();
            List<Double> cpu = new ArrayList<>();
            List<Double> bytes = new ArrayList<>();
            double exporterBefore = serverMs(stats, "exporter");
            double pgpulseBefore = serverMs(stats, "pgpulse");
            for (int i = 0; i < runs; i++) {
                long cpuBefore = exporter.cpuMs();
                String body = exporter.scrape();
                exporterCpu.add((double) (exporter.cpuMs() - cpuBefore));
                exporterBytes.add((double) body.getBytes(StandardCharsets.UTF_8).length);
                double exporterAfter = serverMs(stats, "exporter");
                exporterServer.add(exporterAfter - exporterBefore);
                exporterBefore = exporterAfter;

                long threadBefore = threads.getCurrentThreadCpuTime();
                PgSnapshot snapshot = collector.collect();
                byte[] avro = serialize(snapshot);
                cpu.add((threads.getCurrentThreadCpuTime() - threadBefore) / 1e6);
                if (!snapshot.getUp()) {
                    throw new IllegalStateException("snapshot failed: " + snapshot.getError());
                }
                bytes.add((double) avro.length);
                double pgpulseAfter = serverMs(stats, "pgpulse");
                server.add(pgpulseAfter - pgpulseBefore);
                pgpulseBefore = pgpulseAfter;
            }
            List<String> errors = exporter.errors();
            if (!errors.isEmpty()) {
                say("exporter logged " + errors.size() + " warnings/errors, first: " + errors.get(0));
            }
            printTop(stats, "exporter");
            printTop(stats, "pgpulse");
            say("exporter server ms per scrape: " + exporterServer);
            say("pgpulse server ms per snapshot: " + server);
            return new Costs[] {
                new Costs(median(server), median(cpu), (long) median(bytes)),
                new Costs(median(exporterServer), median(exporterCpu), (long) median(exporterBytes))};
        }
    }

    private SlowCosts measureSlowGroups(EmbeddedPostgres pg) throws Exception {
        MetricCatalog slowOnly = MetricCatalog.defaults().only(SLOW_GROUPS)
                .withIntervals(Map.of("table_sizes", Duration.ZERO, "index_sizes", Duration.ZERO, "settings", Duration.ZERO,
                        "io", Duration.ZERO));
        TargetConfig target = new TargetConfig("bench", pg.jdbcUrl("bench"), "pgpulse", null, Duration.ofSeconds(10), Map.of());
        try (SnapshotCollector collector = new SnapshotCollector(target, slowOnly, Clock.systemUTC());
             Connection stats = pg.connect("bench")) {
            collector.collect();
            reset(stats);
            return new SlowCosts(measure(collector, stats, "pgpulse"));
        }
    }

    private Costs measure(SnapshotCollector collector, Connection stats, String role) throws Exception {
        List<Double> server = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        List<Double> bytes = new ArrayList<>();
        double serverBefore = serverMs(stats, role);
        for (int i = 0; i < runs; i++) {
            long cpuBefore = threads.getCurrentThreadCpuTime();
            PgSnapshot snapshot = collector.collect();
            byte[] avro = serialize(snapshot);
            cpu.add((threads.getCurrentThreadCpuTime() - cpuBefore) / 1e6);
            if (!snapshot.getUp()) {
                throw new IllegalStateException("snapshot failed: " + snapshot.getError());
            }
            bytes.add((double) avro.length);
            double serverAfter = serverMs(stats, role);
            server.add(serverAfter - serverBefore);
            serverBefore = serverAfter;
        }
        return new Costs(median(server), median(cpu), (long) median(bytes));
    }

    /** Avro binary, as the serializer writes it after the 5-byte wire-format header. */
    private static byte[] serialize(PgSnapshot snapshot) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(PgSnapshot.class).write(snapshot, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static double serverMs(Connection stats, String role) throws Exception {
        try (PreparedStatement ps = stats.prepareStatement(BenchSql.load("server-ms-by-role.sql"))) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getDouble(1);
            }
        }
    }

    private static void printTop(Connection stats, String role) throws Exception {
        try (PreparedStatement ps = stats.prepareStatement(BenchSql.load("top-by-role.sql"))) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    say(String.format(Locale.ROOT, "  %-8s %8s ms in %4d calls: %s", role, rs.getString(3), rs.getLong(2),
                            rs.getString(1)));
                }
            }
        }
    }

    private static void reset(Connection stats) throws Exception {
        try (Statement st = stats.createStatement()) {
            st.execute(BenchSql.load("reset-statements.sql"));
        }
    }

    private static void makeObjects(EmbeddedPostgres pg, String database, int n) throws Exception {
        try (Connection conn = pg.connect(database); Statement st = conn.createStatement()) {
            st.execute(BenchSql.load("statements-extension.sql"));
            st.execute(BenchSql.load("objects-function.sql"));
            try (PreparedStatement ps = conn.prepareStatement(BenchSql.load("make-objects.sql"))) {
                ps.setInt(1, n);
                ps.execute();
            }
            st.execute(BenchSql.load("analyze.sql"));
        }
    }

    private void makeFleet(EmbeddedPostgres pg) throws Exception {
        pg.createDatabase("fleet_template");
        makeObjects(pg, "fleet_template", fleetTables);
        try (Connection conn = pg.connect("postgres"); Statement st = conn.createStatement()) {
            for (int i = 1; i <= fleetDatabases; i++) {
                st.execute(String.format(BenchSql.load("create-database-from.sql"),
                        ident(conn, String.format(Locale.ROOT, "fleet_%03d", i)), ident(conn, "fleet_template")));
            }
        }
    }

    private String runFleetAgent(EmbeddedRuntime runtime, EmbeddedPostgres pg) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(java.toString(), "-Xmx256m", "-XX:+UseSerialGC",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), FleetAgent.class.getName(),
                runtime.bootstrapServers(), runtime.registryUrl(), pg.jdbcUrl("postgres"), Integer.toString(fleetDatabases),
                Integer.toString(fleetIntervalS), Integer.toString(fleetMeasureS));
        say("fleet agent (own JVM, -Xmx256m): warming up, then " + fleetMeasureS + " s measured");
        Process agent = new ProcessBuilder(command).redirectErrorStream(true).start();
        String result = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("agent_cpu_pct=") || line.startsWith("error:")) {
                    result = line;
                } else if (line.contains("WARN") || line.contains("ERROR")) {
                    System.err.println("  agent: " + line);
                }
            }
        }
        if (!agent.waitFor(60, TimeUnit.SECONDS)) {
            agent.destroyForcibly();
        }
        if (result == null || result.startsWith("error:")) {
            throw new IllegalStateException("fleet agent failed: " + result);
        }
        return result;
    }

    private static String fleetFigures(String fleet) {
        StringBuilder out = new StringBuilder();
        for (String kv : fleet.split(" ")) {
            if (kv.startsWith("agent_cpu_pct=") || kv.startsWith("agent_heap_mb=")) {
                out.append(out.length() == 0 ? "" : " ").append(kv);
            }
        }
        return out.toString();
    }

    private static void installExporter() throws IOException, InterruptedException {
        if (Files.isExecutable(PostgresExporter.BINARY)) {
            return;
        }
        Path jar = Path.of(CollectorBench.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        Path script = jar.getParent().getParent().resolve("scripts").resolve("install-postgres-exporter.sh");
        say("installing prometheus-postgres-exporter with " + script);
        Process install = new ProcessBuilder("bash", script.toString()).inheritIO().start();
        if (install.waitFor() != 0) {
            throw new IllegalStateException("could not install prometheus-postgres-exporter (" + script + ")");
        }
    }

    private static String ident(Connection conn, String name) throws Exception {
        return conn.unwrap(PGConnection.class).escapeIdentifier(name);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void say(String line) {
        System.err.println("[bench collector] " + line);
    }
}
