package io.pgpulse.bench.collector;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's prometheus-postgres-exporter (0.11) as a child process on a free port, with
 * Debian's example queries.yaml (its pg_stat_statements query renamed to the column names
 * of PostgreSQL 13+) and per-index queries added, so it covers what pgpulse covers.
 */
final class PostgresExporter implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/prometheus-postgres-exporter");
    static final Path EXAMPLE_QUERIES = Path.of("/usr/share/doc/prometheus-postgres-exporter/examples/queries.yaml");
    private static final long CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

    private final Process process;
    private final URI metrics;
    private final Path directory;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PostgresExporter(Process process, URI metrics, Path directory) {
        this.process = process;
        this.metrics = metrics;
        this.directory = directory;
    }

    static PostgresExporter start(String dataSourceName) throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory("pgpulse-bench-exporter-");
        Path queries = directory.resolve("queries.yaml");
        Files.writeString(queries, queriesFor13Plus(Files.readString(EXAMPLE_QUERIES)) + "\n"
                + BenchSql.load("exporter-index-queries.yaml") + "\n");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ProcessBuilder builder = new ProcessBuilder(List.of(BINARY.toString(),
                "--web.listen-address=127.0.0.1:" + port, "--extend.query-path=" + queries, "--log.level=warn"))
                .redirectErrorStream(true).redirectOutput(directory.resolve("exporter.log").toFile());
        builder.environment().put("DATA_SOURCE_NAME", dataSourceName);
        PostgresExporter exporter = new PostgresExporter(builder.start(), URI.create("http://127.0.0.1:" + port + "/metrics"),
                directory);
        exporter.awaitAnswering();
        return exporter;
    }

    /** Debian's example still names pg_stat_statements' columns as before PostgreSQL 13 (total_time, ...). */
    static String queriesFor13Plus(String example) {
        return example
                .replace("total_time / 1000", "total_exec_time / 1000")
                .replace("min_time / 1000", "min_exec_time / 1000")
                .replace("max_time / 1000", "max_exec_time / 1000")
                .replace("mean_time / 1000", "mean_exec_time / 1000")
                .replace("stddev_time / 1000", "stddev_exec_time / 1000");
    }

    private void awaitAnswering() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the exporter exited: " + Files.readString(directory.resolve("exporter.log")));
            }
            try {
                scrape();
                return;
            } catch (IOException e) {
                last = e;
                process.waitFor(200, TimeUnit.MILLISECONDS);
            }
        }
        throw new IOException("the exporter did not answer at " + metrics, last);
    }

    /** One scrape; returns the body. */
    String scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("scrape answered " + response.statusCode());
        }
        return response.body();
    }

    /** CPU the exporter process has used so far (user + system), milliseconds, from /proc. */
    long cpuMs() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
        return ticks * 1000 / CLOCK_TICKS_PER_S;
    }

    /** Error lines the exporter logged (a query of the extension file failing, say). */
    List<String> errors() throws IOException {
        return Files.readAllLines(directory.resolve("exporter.log")).stream()
                .filter(l -> l.contains("level=error") || l.contains("level=warn")).toList();
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (var files = Files.list(directory)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(directory);
    }
}
