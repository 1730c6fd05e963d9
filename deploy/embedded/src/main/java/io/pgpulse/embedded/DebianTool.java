package io.pgpulse.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A program that only Debian's packages provide (pgbench, Alertmanager, PgBouncer, ...)
 * and that some tests and benchmarks need. {@link #require()} finds it in its usual
 * places or under the environment variable that names it; when it is missing and the
 * process runs as root, it runs the project's own installer
 * {@code deploy/scripts/install-<script>.sh} (the same one {@code .ci/run} runs), so a
 * fresh machine needs no step by hand. When that is not possible it fails with a
 * message that says what to run: a test that needs the program never skips silently.
 */
public final class DebianTool {

    private static final long INSTALL_TIMEOUT_MINUTES = 10;

    private final String name;
    private final String envVar;
    private final String script;
    private final List<Path> candidates;

    /**
     * @param name       what it is, for messages ("pgbench")
     * @param envVar     an environment variable that may point at the binary
     * @param script     the installer's name: {@code deploy/scripts/install-<script>.sh}
     * @param candidates where the package puts the binary, first found wins
     */
    public DebianTool(String name, String envVar, String script, List<Path> candidates) {
        this.name = Objects.requireNonNull(name, "name");
        this.envVar = Objects.requireNonNull(envVar, "envVar");
        this.script = Objects.requireNonNull(script, "script");
        this.candidates = List.copyOf(candidates);
    }

    /** The binary if it is already there. */
    public Optional<Path> find() {
        String configured = System.getenv(envVar);
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** The binary, installed first if it is missing and we may; otherwise an exception that says how to get it. */
    public synchronized Path require() {
        Optional<Path> found = find();
        if (found.isPresent()) {
            return found.get();
        }
        String how = "run deploy/scripts/install-" + script + ".sh as root, or point " + envVar + " at the binary";
        if (System.getenv(envVar) != null) {
            throw new IllegalStateException(name + ": " + envVar + "=" + System.getenv(envVar) + " is not an executable file");
        }
        if (!ServerAccount.runningAsRoot()) {
            throw new IllegalStateException(name + " is not installed and this process is not root: " + how);
        }
        Path installer = installer().orElseThrow(() -> new IllegalStateException(name + " is not installed and "
                + "deploy/scripts/install-" + script + ".sh was not found above " + Path.of("").toAbsolutePath() + ": " + how));
        install(installer, how);
        return find().orElseThrow(() -> new IllegalStateException(installer + " finished but " + name
                + " is still not in " + candidates + ": " + how));
    }

    private void install(Path installer, String how) {
        try {
            Path log = Files.createTempFile("pgpulse-install-" + script, ".log");
            Process process = new ProcessBuilder("bash", installer.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!process.waitFor(INSTALL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(installer + " did not finish within " + INSTALL_TIMEOUT_MINUTES
                        + " minutes; its output is in " + log);
            }
            if (process.exitValue() != 0) {
                String output = Files.readString(log, StandardCharsets.UTF_8);
                throw new IllegalStateException(installer + " failed (exit " + process.exitValue() + "): "
                        + tail(output) + "; " + how);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + installer + ": " + e.getMessage() + "; " + how, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while installing " + name, e);
        }
    }

    /** deploy/scripts/install-&lt;script&gt;.sh in the working directory or the nearest parent that has it. */
    private Optional<Path> installer() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("deploy/scripts/install-" + script + ".sh");
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static String tail(String output) {
        String trimmed = output.strip();
        return trimmed.length() <= 2000 ? trimmed : "..." + trimmed.substring(trimmed.length() - 2000);
    }

    /** pgbench from Debian's postgresql-15 (the load tests and the remediation benchmark). */
    public static DebianTool pgbench() {
        return new DebianTool("pgbench", "PGBENCH_BIN", "pgbench",
                List.of(Path.of("/usr/lib/postgresql/15/bin/pgbench"), Path.of("/usr/bin/pgbench")));
    }

    /** Debian's prometheus-alertmanager (the Alertmanager channel test). */
    public static DebianTool alertmanager() {
        return new DebianTool("Alertmanager", "ALERTMANAGER_BIN", "alertmanager",
                List.of(Path.of("/usr/bin/prometheus-alertmanager"), Path.of("/usr/bin/alertmanager"),
                        Path.of("/usr/local/bin/alertmanager")));
    }
}
