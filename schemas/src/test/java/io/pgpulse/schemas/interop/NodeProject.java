package io.pgpulse.schemas.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Node.js project under {@code src/test/node} that holds the third-party clients of the
 * interop test. It checks that node and npm are there, runs {@code npm ci} from the checked-in
 * lock file when {@code node_modules} is missing or older than it, and runs its scripts as
 * child processes with their output in files (so that a chatty child cannot block on a full
 * pipe).
 */
final class NodeProject {

    /** What a person is told to run when node or npm is missing or the install failed. */
    static final String INSTALL_SCRIPT = "deploy/scripts/install-node-interop.sh";

    private static final long NPM_CI_TIMEOUT_S = 300;

    private final Path directory;

    private NodeProject(Path directory) {
        this.directory = directory;
    }

    /**
     * The project in {@code directory}, its packages installed. Fails, naming the install
     * script, when node or npm cannot be run or {@code npm ci} fails.
     */
    static NodeProject installed(Path directory) throws IOException, InterruptedException {
        NodeProject project = new NodeProject(directory.toAbsolutePath().normalize());
        project.requireTool("node", 20);
        project.requireTool("npm", 0);
        if (project.needsInstall()) {
            Finished npm = project.run(List.of("npm", "ci", "--no-audit", "--no-fund"), NPM_CI_TIMEOUT_S);
            if (npm.exitCode() != 0) {
                throw new IllegalStateException("npm ci in " + project.directory + " failed (exit " + npm.exitCode()
                        + "); run " + INSTALL_SCRIPT + " to install the interop clients. npm said:\n"
                        + npm.stderr() + npm.stdout());
            }
        }
        return project;
    }

    /**
     * Whether {@code npm ci} has yet to run: npm leaves {@code node_modules/.package-lock.json}
     * behind, newer than the lock file it installed from.
     */
    private boolean needsInstall() throws IOException {
        Path installed = directory.resolve("node_modules/.package-lock.json");
        return !Files.isRegularFile(installed) || Files.getLastModifiedTime(installed)
                .compareTo(Files.getLastModifiedTime(directory.resolve("package-lock.json"))) < 0;
    }

    /** Runs {@code node script args...} in the project's directory and waits for it. */
    Finished node(String script, List<String> args, long timeoutS) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(args);
        return run(command, timeoutS);
    }

    private void requireTool(String tool, int minimumMajor) throws IOException, InterruptedException {
        Finished version;
        try {
            version = run(List.of(tool, "--version"), 60);
        } catch (IOException e) {
            throw new IllegalStateException(tool + " is needed by the interop test (Confluent's JavaScript clients"
                    + " read pgpulse's topics) but cannot be run: " + e.getMessage() + ". Install Node.js 20+ and"
                    + " npm with " + INSTALL_SCRIPT + ", or put them on PATH.", e);
        }
        String text = version.stdout().trim();
        if (version.exitCode() != 0) {
            throw new IllegalStateException(tool + " --version failed (exit " + version.exitCode() + "): "
                    + version.stderr() + "; reinstall with " + INSTALL_SCRIPT);
        }
        if (minimumMajor > 0) {
            int major = Integer.parseInt(text.replaceFirst("^v", "").split("\\.")[0]);
            if (major < minimumMajor) {
                throw new IllegalStateException(tool + " " + minimumMajor + "+ is needed by the interop test, found "
                        + text + "; install a newer one with " + INSTALL_SCRIPT);
            }
        }
    }

    private Finished run(List<String> command, long timeoutS) throws IOException, InterruptedException {
        Path stdout = Files.createTempFile("pgpulse-node-", ".out");
        Path stderr = Files.createTempFile("pgpulse-node-", ".err");
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            try {
                if (!process.waitFor(timeoutS, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeoutS
                            + " s; it printed:\n" + Files.readString(stderr, StandardCharsets.UTF_8)
                            + Files.readString(stdout, StandardCharsets.UTF_8));
                }
            } finally {
                process.destroyForcibly();
            }
            return new Finished(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderr, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    /** A child process that ended: its exit code and everything it printed. */
    record Finished(int exitCode, String stdout, String stderr) {
    }
}
