package io.pgpulse.launcher;

import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.collector.metric.MetricCatalog;
import io.pgpulse.collector.metric.MetricGroup;
import io.pgpulse.collector.target.SnapshotCollector;
import io.pgpulse.collector.target.TargetConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "snapshot",
        description = {
                "Takes one snapshot of a database, as the collector would, and prints it as JSON on stdout.",
                "",
                "For looking at what pgpulse sees of a target: every metric group runs once, in one read-only "
                        + "transaction, with the collector's timeouts. Nothing is published. Exit code 0 when the "
                        + "snapshot is up, 1 when it is not (the JSON then says why), 2 for bad arguments.",
                ""},
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true)
final class SnapshotCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "JDBC_URL", description = "jdbc:postgresql://host:port/database "
            + "(database pgbouncer: a PgBouncer admin console)")
    String url;

    @Option(names = {"-U", "--user"}, defaultValue = "postgres", description = "Role to connect as (default: ${DEFAULT-VALUE}).")
    String user;

    @Option(names = "--password-env", paramLabel = "VAR", description = "Environment variable holding the password.")
    String passwordEnv;

    @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the password.")
    Path passwordFile;

    @Option(names = "--sslmode", description = "pgjdbc sslmode: disable, allow, prefer, require, verify-ca, verify-full.")
    String sslmode;

    @Option(names = "--cluster", description = "Cluster name for the source id (default: host:port).")
    String cluster;

    @Option(names = "--pgbouncer", description = "The URL is a PgBouncer admin console (default when the database is pgbouncer).")
    boolean pgbouncer;

    @Override
    public Integer call() throws IOException {
        String password = null;
        if (passwordEnv != null) {
            password = System.getenv(passwordEnv);
            if (password == null) {
                spec.commandLine().getErr().println("pgpulse snapshot: environment variable " + passwordEnv + " is not set");
                return 2;
            }
        } else if (passwordFile != null) {
            password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
        }
        TargetConfig target;
        try {
            String name = cluster != null ? cluster : hostPort(url);
            target = new TargetConfig(name, url, user, password, Duration.ofSeconds(10), Map.of(), sslmode,
                    pgbouncer ? MetricGroup.Console.PGBOUNCER : null);
            target.sourceId();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("pgpulse snapshot: " + e.getMessage());
            return 2;
        }
        PgSnapshot snapshot;
        try (SnapshotCollector collector = new SnapshotCollector(target, MetricCatalog.defaults(), Clock.systemUTC())) {
            snapshot = collector.collect();
        }
        spec.commandLine().getOut().println(SnapshotJson.toJson(snapshot));
        spec.commandLine().getOut().flush();
        return snapshot.getUp() ? 0 : 1;
    }

    private static String hostPort(String url) {
        if (!url.startsWith(TargetConfig.URL_PREFIX)) {
            throw new IllegalArgumentException("url must start with " + TargetConfig.URL_PREFIX + ", found: " + url);
        }
        String rest = url.substring(TargetConfig.URL_PREFIX.length());
        int slash = rest.indexOf('/');
        String hostPort = slash < 0 ? rest : rest.substring(0, slash);
        return hostPort.contains(":") ? hostPort : hostPort + ":5432";
    }
}
