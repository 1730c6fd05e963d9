package io.pgpulse.sink.testing;

import static org.awaitility.Awaitility.await;

import io.pgpulse.embedded.DebianTool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Alertmanager (Debian's {@code prometheus-alertmanager}, installed by
 * {@code deploy/scripts/install-alertmanager.sh}) on a free loopback port, with a throwaway
 * configuration and storage directory, clustering off.
 */
public final class AlertmanagerProcess implements AutoCloseable {

    private final Process process;
    private final URI url;
    private final Path log;

    private AlertmanagerProcess(Process process, URI url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    /** The binary, installed by the project's script first if it is missing (see {@link DebianTool}). */
    public static Path binary() {
        return DebianTool.alertmanager().require();
    }

    public static AlertmanagerProcess start(Path binary, Path dir) throws IOException {
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, """
                route:
                  receiver: nobody
                  group_wait: 1s
                receivers:
                  - name: nobody
                """);
        Files.createDirectories(dir.resolve("data"));
        int port;
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = socket.getLocalPort();
        }
        Path log = dir.resolve("alertmanager.log");
        Process process = new ProcessBuilder(binary.toString(),
                "--config.file=" + config,
                "--storage.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        AlertmanagerProcess alertmanager = new AlertmanagerProcess(process, URI.create("http://127.0.0.1:" + port), log);
        try {
            HttpClient http = HttpClient.newHttpClient();
            await("Alertmanager ready on port " + port).atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("alertmanager exited: " + Files.readString(log));
                        }
                        return http.send(HttpRequest.newBuilder(alertmanager.url.resolve("/-/ready")).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                    });
            return alertmanager;
        } catch (RuntimeException e) {
            alertmanager.close();
            throw e;
        }
    }

    public URI url() {
        return url;
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
