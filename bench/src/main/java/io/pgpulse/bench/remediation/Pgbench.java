package io.pgpulse.bench.remediation;

import io.pgpulse.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs Debian's pgbench against an embedded cluster. */
final class Pgbench {

    private Pgbench() {
    }

    static Process start(EmbeddedPostgres postgres, String db, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(RemediationBench.pgbench.toString(), "-h", "127.0.0.1",
                "-p", Integer.toString(postgres.port()), "-U", postgres.user()));
        command.addAll(args);
        command.add(db);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    static void run(EmbeddedPostgres postgres, String db, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(RemediationBench.pgbench.toString(), "-h", "127.0.0.1",
                "-p", Integer.toString(postgres.port()), "-U", postgres.user()));
        command.addAll(args);
        command.add(db);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("pgbench " + args + " on " + db + " failed:\n" + out);
        }
    }
}
