package io.pgpulse.collector.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PgBouncer (Debian's {@code pgbouncer} package) on a free loopback port in
 * front of one PostgreSQL database, for tests. Trust authentication, transaction
 * pooling, {@code postgres} as admin and stats user, statistics every second.
 *
 * <p>When the binary is missing and this JVM is root, {@code deploy/scripts/install-pgbouncer.sh}
 * installs it; otherwise starting fails saying how to install it (a test that needs
 * PgBouncer must not pass without one). PgBouncer refuses to run as root, so as root it
 * runs as {@code nobody}.
 */
public final class PgBouncerProcess implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/sbin/pgbouncer");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path directory;
    private final int port;

    private PgBouncerProcess(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    /** Starts PgBouncer with one pool, {@code database}, pointing at PostgreSQL on {@code postgresPort}. */
    public static PgBouncerProcess start(int postgresPort, String database) throws IOException, InterruptedException {
        ensureInstalled();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path directory = Files.createTempDirectory("pgpulse-pgbouncer-");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Files.writeString(directory.resolve("userlist.txt"), "\"postgres\" \"\"\n");
        Files.writeString(directory.resolve("pgbouncer.ini"), """
                [databases]
                %s = host=127.0.0.1 port=%d dbname=%s
                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = %d
                unix_socket_dir =
                auth_type = trust
                auth_file = %s
                admin_users = postgres
                stats_users = postgres
                pool_mode = transaction
                stats_period = 1
                ignore_startup_parameters = extra_float_digits,options
                logfile = %s
                """.formatted(database, postgresPort, database, port, directory.resolve("userlist.txt"),
                directory.resolve("pgbouncer.log")));
        List<String> command = new ArrayList<>();
        if (root) {
            chownTree(directory, "nobody", "nogroup");
            command.addAll(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"));
        }
        command.addAll(List.of(BINARY.toString(), directory.resolve("pgbouncer.ini").toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("stdout.log").toFile()).start();
        PgBouncerProcess bouncer = new PgBouncerProcess(process, directory, port);
        bouncer.awaitListening();
        return bouncer;
    }

    private static void ensureInstalled() throws IOException, InterruptedException {
        if (Files.isExecutable(BINARY)) {
            return;
        }
        Path script = Path.of("..", "deploy", "scripts", "install-pgbouncer.sh").toAbsolutePath().normalize();
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("PgBouncer is not installed (" + BINARY + " missing) and this test is not root: "
                    + "run `sudo bash " + script + "` (Debian's pgbouncer package) and run the tests again");
        }
        Process install = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).start();
        String output = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (install.waitFor() != 0 || !Files.isExecutable(BINARY)) {
            throw new IllegalStateException("PgBouncer is not installed and " + script + " could not install it:\n" + output);
        }
    }

    private void awaitListening() throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("pgbouncer exited with " + process.exitValue() + ": " + log());
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                try {
                    process.waitFor(50, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for pgbouncer", e);
                }
            }
        }
        close();
        throw new IOException("pgbouncer did not listen on " + port + " within " + READY_TIMEOUT + ": " + log());
    }

    private String log() {
        try {
            Path file = directory.resolve("pgbouncer.log");
            return Files.exists(file) ? Files.readString(file) : Files.readString(directory.resolve("stdout.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void chownTree(Path directory, String user, String group) throws IOException {
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        try (var paths = Files.walk(directory)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
                view.setOwner(lookup.lookupPrincipalByName(user));
                view.setGroup(lookup.lookupPrincipalByGroupName(group));
            }
        }
    }

    public int port() {
        return port;
    }

    /** The admin console's URL. */
    public String adminUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/pgbouncer";
    }

    /** A pooled database's URL. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (var paths = Files.walk(directory)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
