package io.pgpulse.embedded;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway PostgreSQL cluster: {@code initdb} into a new temporary directory, a postmaster
 * on a free loopback port, and everything deleted again by {@link #close()}.
 *
 * <p>The server is tuned for tests, not durability ({@code fsync=off}), has
 * {@code pg_stat_statements} loaded and created in {@code postgres} unless told otherwise, and
 * trusts every local connection as superuser {@value #SUPERUSER}. It writes its log to
 * {@code postgres.log} beside the data directory; a failed start quotes the end of it.
 *
 * <p>The cluster can be stopped and started again on the same data directory and port, which
 * is how tests take a monitored database down and bring it back.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    /** The superuser {@code initdb} creates; connections need no password. */
    public static final String SUPERUSER = "postgres";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration READY_POLL = Duration.ofMillis(50);
    private static final int PORT_ATTEMPTS = 3;
    private static final int LOG_TAIL_LINES = 30;
    /** sun_path is 108 bytes on Linux; longer socket paths make the postmaster fail. */
    private static final int MAX_SOCKET_PATH = 100;

    private final PostgresOptions options;
    private final Path binDirectory;
    private final ServerAccount account;
    private final Path directory;
    private final Path dataDirectory;
    private final Path logFile;
    private final int majorVersion;
    private final ShutdownGuard shutdownGuard;
    /** Read without the lock so that a caller asking for the URL never waits on a slow start or stop. */
    private volatile int port;
    private volatile Process process;
    private boolean closed;

    private EmbeddedPostgres(PostgresOptions options, Path binDirectory, ServerAccount account, Path directory,
            int majorVersion) {
        this.options = options;
        this.binDirectory = binDirectory;
        this.account = account;
        this.directory = directory;
        this.dataDirectory = directory.resolve("data");
        this.logFile = directory.resolve("postgres.log");
        this.majorVersion = majorVersion;
        this.shutdownGuard = ShutdownGuard.install("embedded-postgres", this::closeQuietly);
    }

    /** Starts a cluster of {@code major} with default options. */
    public static EmbeddedPostgres start(int major) throws IOException {
        return start(PostgresOptions.of(major));
    }

    /** Creates and starts a new cluster; returns once {@code SELECT 1} succeeds. */
    public static EmbeddedPostgres start(PostgresOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        long startedNanos = System.nanoTime();
        Path binDirectory = PostgresBinaries.binDirectory(options.majorVersion());
        ServerAccount account = ServerAccount.forCurrentProcess();
        Path directory = Files.createTempDirectory("pgpulse-pg-");
        EmbeddedPostgres postgres;
        try {
            account.handOver(directory);
            Path dataDirectory = directory.resolve("data");
            initdb(binDirectory, account, directory, dataDirectory);
            int major = Integer.parseInt(Files.readString(dataDirectory.resolve("PG_VERSION")).trim());
            Files.writeString(dataDirectory.resolve("postgresql.conf"),
                    "\n# Added by pgpulse EmbeddedPostgres\ninclude 'pgpulse.conf'\n",
                    StandardOpenOption.APPEND);
            postgres = new EmbeddedPostgres(options, binDirectory, account, directory, major);
        } catch (IOException | RuntimeException e) {
            deleteAfterFailedStart(directory, e);
            throw e;
        }
        try {
            postgres.startOnFreePort();
            if (options.preloadPgStatStatements()) {
                postgres.execute("postgres", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            }
        } catch (IOException | RuntimeException e) {
            postgres.closeAfterFailedStart(e);
            throw e;
        }
        LOG.info("PostgreSQL {} ready on port {} in {} ms (data in {}, running as {})", postgres.majorVersion,
                postgres.port, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos), postgres.dataDirectory,
                account);
        return postgres;
    }

    /**
     * Starts a hot standby of this (running) cluster on a free port, streaming from it through
     * a physical replication slot, and returns once the standby answers {@code SELECT 1}.
     *
     * <p>The binary jars hold no {@code pg_basebackup}, so the base backup is taken the way it
     * documents for low-level backups: {@code pg_backup_start} (before 15: {@code pg_start_backup}
     * in non-exclusive mode), a copy of the data directory made as the server's account, then
     * {@code pg_backup_stop}, whose label file goes into the copy as {@code backup_label}. The
     * standby is a separate {@link EmbeddedPostgres}; close it before or after this one.
     *
     * @param name the standby's application_name and replication slot name ([a-z0-9_]+)
     */
    public EmbeddedPostgres startStandby(String name) throws IOException {
        ensureOpen();
        if (!name.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("standby name must be [a-z0-9_]+, was " + name);
        }
        Path standbyDirectory = Files.createTempDirectory("pgpulse-pg-standby-");
        EmbeddedPostgres standby;
        try {
            account.handOver(standbyDirectory);
            PostgresOptions standbyOptions = options
                    .withSetting("primary_conninfo", "host=127.0.0.1 port=" + port + " user=" + SUPERUSER
                            + " application_name=" + name)
                    .withSetting("primary_slot_name", name)
                    .withSetting("hot_standby", "on");
            standby = new EmbeddedPostgres(standbyOptions, binDirectory, account, standbyDirectory, majorVersion);
            baseBackupInto(standby.dataDirectory, name);
        } catch (IOException | RuntimeException e) {
            deleteAfterFailedStart(standbyDirectory, e);
            throw e;
        }
        try {
            standby.startOnFreePort();
        } catch (IOException | RuntimeException e) {
            standby.closeAfterFailedStart(e);
            throw e;
        }
        LOG.info("PostgreSQL {} standby {} of port {} ready on port {}", majorVersion, name, port, standby.port);
        return standby;
    }

    private void baseBackupInto(Path target, String slot) throws IOException {
        boolean modern = majorVersion >= 15;
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
            statement.execute(modern ? "SELECT pg_backup_start('pgpulse standby', true)"
                    : "SELECT pg_start_backup('pgpulse standby', true, false)");
            copyDataDirectory(target);
            String labelFile;
            try (java.sql.ResultSet rs = statement.executeQuery(modern
                    ? "SELECT labelfile FROM pg_backup_stop(false)"
                    : "SELECT labelfile FROM pg_stop_backup(false, false)")) {
                rs.next();
                labelFile = rs.getString(1);
            }
            writeAsServer(target.resolve("backup_label"), labelFile);
            writeAsServer(target.resolve("standby.signal"), "");
        } catch (SQLException e) {
            throw new IOException("Could not take a base backup of port " + port + ": " + e.getMessage(), e);
        }
    }

    /** cp -a as the server's account (which alone may read the data directory), then the runtime files removed. */
    private void copyDataDirectory(Path target) throws IOException {
        Files.createDirectories(target);
        account.handOver(target);
        List<String> command = account.command(List.of("cp", "-a", dataDirectory + "/.", target.toString()));
        Process copy = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(copy.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (copy.waitFor() != 0) {
                throw new IOException("copying " + dataDirectory + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while copying " + dataDirectory, e);
        }
        // The standby fetches WAL from the primary; a running server's pid file must not come along.
        Files.deleteIfExists(target.resolve("postmaster.pid"));
        Files.deleteIfExists(target.resolve("postmaster.opts"));
        try (var walFiles = Files.list(target.resolve("pg_wal"))) {
            for (Path file : (Iterable<Path>) walFiles::iterator) {
                if (Files.isRegularFile(file)) {
                    Files.delete(file);
                }
            }
        }
    }

    private void writeAsServer(Path file, String content) throws IOException {
        Files.writeString(file, content);
        account.handOver(file);
    }

    /** Starts the stopped cluster again on the same data directory and port. */
    public synchronized void start() throws IOException {
        ensureOpen();
        if (isRunning()) {
            return;
        }
        launch();
        awaitReady();
    }

    /** Fast shutdown (SIGINT): open sessions are ended, committed data stays. A no-op if stopped. */
    public synchronized void stop() throws IOException {
        if (process == null) {
            return;
        }
        Process stopping = process;
        process = null;
        shutDown(stopping, STOP_TIMEOUT);
    }

    /** {@link #stop()} then {@link #start()}. */
    public synchronized void restart() throws IOException {
        stop();
        start();
    }

    /** Whether the postmaster process is alive (it may still be starting up or shutting down). */
    public boolean isRunning() {
        Process current = process;
        return current != null && current.isAlive();
    }

    public int port() {
        return port;
    }

    /** The server's major version, as {@code initdb} wrote it into {@code PG_VERSION}. */
    public int majorVersion() {
        return majorVersion;
    }

    public String user() {
        return SUPERUSER;
    }

    public String jdbcUrl(String database) {
        Objects.requireNonNull(database, "database");
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    /** The URL of the {@code postgres} database. */
    public String jdbcUrl() {
        return jdbcUrl("postgres");
    }

    /** A new connection as {@value #SUPERUSER}; the caller closes it. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), connectionProperties());
    }

    /** Creates a database; {@code name} is quoted as an identifier, so any string is safe. */
    public void createDatabase(String name) throws SQLException {
        Objects.requireNonNull(name, "name");
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            String quoted = connection.unwrap(PGConnection.class).escapeIdentifier(name);
            statement.execute("CREATE DATABASE " + quoted);
        }
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Stops the server and deletes its data directory. Safe to call twice. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        shutdownGuard.remove();
        try {
            stop();
        } finally {
            Directories.deleteRecursively(directory);
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not clean up PostgreSQL in {}: {}", directory, e.toString());
        }
    }

    private void closeAfterFailedStart(Exception cause) {
        try {
            close();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private synchronized void startOnFreePort() throws IOException {
        for (int attempt = 1; ; attempt++) {
            port = FreePorts.next();
            writeSettings();
            launch();
            try {
                awaitReady();
                return;
            } catch (IOException e) {
                // Another process may have bound the port between our probe and the postmaster.
                if (attempt >= PORT_ATTEMPTS || !logTail().contains("Address already in use")) {
                    throw e;
                }
                LOG.info("Port {} was taken meanwhile; trying another", port);
            }
        }
    }

    /** pgpulse.conf, included at the end of postgresql.conf: test-friendly settings, then the caller's. */
    private void writeSettings() throws IOException {
        StringBuilder conf = new StringBuilder("# Written by pgpulse EmbeddedPostgres\n");
        setting(conf, "listen_addresses", "127.0.0.1");
        setting(conf, "port", Integer.toString(port));
        String socketDirectory = directory.toAbsolutePath().toString();
        // Too long a path for a Unix socket: TCP only, which is all JDBC uses.
        setting(conf, "unix_socket_directories",
                socketDirectory.length() + "/.s.PGSQL.65535".length() <= MAX_SOCKET_PATH ? socketDirectory : "");
        if (options.preloadPgStatStatements()) {
            setting(conf, "shared_preload_libraries", "pg_stat_statements");
            setting(conf, "pg_stat_statements.track", "all");
        }
        setting(conf, "track_io_timing", "on");
        // Durability is worthless for a cluster deleted after the test; speed is not.
        setting(conf, "fsync", "off");
        setting(conf, "synchronous_commit", "off");
        setting(conf, "full_page_writes", "off");
        setting(conf, "shared_buffers", "32MB");
        setting(conf, "max_connections", "100");
        setting(conf, "autovacuum", "on");
        setting(conf, "log_min_messages", "warning");
        setting(conf, "logging_collector", "off");
        setting(conf, "log_destination", "stderr");
        conf.append("# Caller's settings\n");
        options.settings().forEach((name, value) -> setting(conf, name, value));
        Files.writeString(dataDirectory.resolve("pgpulse.conf"), conf.toString());
    }

    private static void setting(StringBuilder conf, String name, String value) {
        conf.append(name).append(" = '").append(value.replace("'", "''")).append("'\n");
    }

    private void launch() throws IOException {
        List<String> command = account.command(List.of(
                binDirectory.resolve("postgres").toString(), "-D", dataDirectory.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(logFile.toFile()));
        cleanEnvironment(builder.environment());
        process = builder.start();
        LOG.debug("Started postmaster pid {}: {}", process.pid(), command);
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            Process current = process;
            if (current == null || !current.isAlive()) {
                process = null;
                throw new IOException("PostgreSQL in " + dataDirectory + " exited with code "
                        + (current == null ? "?" : current.exitValue()) + " while starting; "
                        + "last lines of " + logFile + ":\n" + logTail());
            }
            try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
                statement.execute("SELECT 1");
                return;
            } catch (SQLException e) {
                last = e; // refused or "the database system is starting up": not ready yet
            }
            pause(READY_POLL);
        }
        Process stuck = process;
        process = null;
        shutDown(stuck, STOP_TIMEOUT);
        throw new IOException("PostgreSQL in " + dataDirectory + " did not accept connections on port " + port
                + " within " + READY_TIMEOUT + "; last lines of " + logFile + ":\n" + logTail(), last);
    }

    private void execute(String database, String sql) throws IOException {
        try (Connection connection = connect(database); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IOException("Could not run '" + sql + "' in " + database + ": " + e.getMessage(), e);
        }
    }

    /**
     * SIGINT is PostgreSQL's fast shutdown; {@link Process#destroy()} would send SIGTERM, a smart
     * shutdown that waits for every client to disconnect. If the server does not stop in time
     * it is killed together with its backends.
     */
    private void shutDown(Process postmaster, Duration timeout) throws IOException {
        if (postmaster.isAlive()) {
            signal(postmaster, "INT");
            try {
                if (!postmaster.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("PostgreSQL pid {} did not stop within {}; killing it", postmaster.pid(), timeout);
                    postmaster.descendants().forEach(ProcessHandle::destroyForcibly);
                    postmaster.destroyForcibly();
                    postmaster.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                postmaster.descendants().forEach(ProcessHandle::destroyForcibly);
                postmaster.destroyForcibly();
                throw new IOException("Interrupted while stopping PostgreSQL pid " + postmaster.pid(), e);
            }
        }
    }

    private static void signal(Process target, String signal) throws IOException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(target.pid()))
                .redirectErrorStream(true)
                .start();
        try {
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            // Exit code 1 when the process exited on its own meanwhile; waitFor handles that.
            if (kill.waitFor() != 0 && target.isAlive()) {
                throw new IOException("kill -" + signal + " " + target.pid() + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while signalling PostgreSQL pid " + target.pid(), e);
        }
    }

    private static void initdb(Path binDirectory, ServerAccount account, Path directory, Path dataDirectory)
            throws IOException {
        Path initdbLog = directory.resolve("initdb.log");
        List<String> command = account.command(List.of(
                binDirectory.resolve("initdb").toString(),
                "-D", dataDirectory.toString(),
                "-U", SUPERUSER,
                "-A", "trust",
                "-E", "UTF8",
                "--locale=C",
                "--no-sync"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(initdbLog.toFile());
        cleanEnvironment(builder.environment());
        Process initdb = builder.start();
        try {
            if (!initdb.waitFor(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                initdb.destroyForcibly();
                throw new IOException("initdb did not finish within " + READY_TIMEOUT + ": " + tail(initdbLog));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            initdb.destroyForcibly();
            throw new IOException("Interrupted while running initdb", e);
        }
        if (initdb.exitValue() != 0) {
            throw new IOException("initdb " + String.join(" ", command) + " failed with exit code "
                    + initdb.exitValue() + ":\n" + tail(initdbLog));
        }
    }

    /** Libpq and server variables from the caller's shell would leak into initdb and the server. */
    private static void cleanEnvironment(Map<String, String> environment) {
        List<String> inherited = new ArrayList<>(environment.keySet());
        for (String name : inherited) {
            if (name.startsWith("PG") || name.startsWith("LC_")) {
                environment.remove(name);
            }
        }
        environment.put("LC_ALL", "C");
    }

    private static Properties connectionProperties() {
        Properties properties = new Properties();
        properties.setProperty("user", SUPERUSER);
        properties.setProperty("ApplicationName", "pgpulse-embedded");
        properties.setProperty("connectTimeout", "5");
        return properties;
    }

    private String logTail() {
        return tail(logFile);
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }

    private static void pause(Duration duration) throws IOException {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for PostgreSQL", e);
        }
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("This EmbeddedPostgres is closed; its data directory is gone");
        }
    }

    private static void deleteAfterFailedStart(Path directory, Exception cause) {
        try {
            Directories.deleteRecursively(directory);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
