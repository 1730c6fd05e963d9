package io.pgpulse.collector.selfmetrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Serves {@link AgentMetrics} in the Prometheus text format at {@code /metrics} (JDK HTTP
 * server, one thread: a scrape every few seconds is all it gets).
 */
public final class MetricsEndpoint implements AutoCloseable {

    private final HttpServer server;

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
    }

    /** Starts serving on {@code address} (port 0: any free port). */
    public static MetricsEndpoint start(InetSocketAddress address, AgentMetrics metrics) {
        try {
            HttpServer server = HttpServer.create(address, 0);
            server.createContext("/metrics", exchange -> answer(exchange, metrics));
            server.setExecutor(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "pgpulse-self-metrics");
                t.setDaemon(true);
                return t;
            }));
            server.start();
            return new MetricsEndpoint(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve self-metrics on " + address + ": " + e.getMessage(), e);
        }
    }

    private static void answer(HttpExchange exchange, AgentMetrics metrics) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Where the endpoint answers, e.g. {@code http://127.0.0.1:9187/metrics}. */
    public URI url() {
        InetSocketAddress address = server.getAddress();
        return URI.create("http://" + address.getHostString() + ":" + address.getPort() + "/metrics");
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
