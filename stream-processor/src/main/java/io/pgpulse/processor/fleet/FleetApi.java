package io.pgpulse.processor.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pgpulse.schemas.serde.AvroJson;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's state over HTTP, as JSON (read only):
 * <ul>
 *   <li>{@code GET /fleet}: every source with its status (up, last snapshot, firing alerts)</li>
 *   <li>{@code GET /sources/{id}}: one source ({@code /sources/pg-01/app}): status, firing
 *       alerts, and metrics of the open window so far and of the last closed windows</li>
 *   <li>{@code GET /alerts}: the alerts firing now</li>
 * </ul>
 * With several instances each answers for all: a source owned by another instance is fetched
 * from it, and the lists are merged with the other instances' ({@code ?scope=local} asks one
 * instance for its own part only). While the stores are being restored the answer is 503.
 */
public final class FleetApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FleetApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private volatile Supplier<FleetState> state;
    private boolean closed;

    private FleetApi(HttpServer server) {
        this.server = server;
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "pgpulse-fleet-api");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /** Listens on {@code address} (port 0 picks a free one); answers 503 until {@link #serve} is called. */
    public static FleetApi listen(InetSocketAddress address) throws IOException {
        FleetApi api = new FleetApi(HttpServer.create(address, 0));
        api.server.start();
        return api;
    }

    /** Starts answering from {@code state}. */
    public void serve(Supplier<FleetState> state) {
        this.state = state;
    }

    public URI url() {
        InetSocketAddress address = server.getAddress();
        return URI.create("http://" + address.getHostString() + ":" + address.getPort());
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                send(exchange, 405, error("only GET is supported"));
                return;
            }
            Supplier<FleetState> current = state;
            if (current == null) {
                unavailable(exchange, "the stream processor is starting");
                return;
            }
            try {
                route(exchange, current.get());
            } catch (InvalidStateStoreException e) {
                unavailable(exchange, "state stores are not ready (restoring or rebalancing): " + e.getMessage());
            } catch (RuntimeException e) {
                log.warn("fleet API: {} failed", exchange.getRequestURI(), e);
                send(exchange, 500, error(e.toString()));
            }
        }
    }

    private void route(HttpExchange exchange, FleetState fleet) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        boolean local = "scope=local".equals(exchange.getRequestURI().getRawQuery());
        if (path.equals("/fleet")) {
            ObjectNode out = JSON.createObjectNode();
            ArrayNode sources = out.putArray("sources");
            fleet.sources().forEach(sources::add);
            if (!local) {
                merge(fleet.others(), "/fleet", "sources", sources, out);
            }
            out.put("count", sources.size());
            send(exchange, 200, out);
        } else if (path.equals("/alerts")) {
            ObjectNode out = JSON.createObjectNode();
            ArrayNode alerts = out.putArray("alerts");
            fleet.firing().forEach(a -> alerts.add(AvroJson.of(a)));
            if (!local) {
                merge(fleet.others(), "/alerts", "alerts", alerts, out);
            }
            out.put("count", alerts.size());
            send(exchange, 200, out);
        } else if (path.startsWith("/sources/") && path.length() > "/sources/".length()) {
            String id = URLDecoder.decode(path.substring("/sources/".length()), StandardCharsets.UTF_8);
            Optional<HostInfo> owner = local ? Optional.empty() : fleet.ownerOf(id);
            if (owner.isPresent()) {
                proxy(exchange, owner.get(), "/sources/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("%2F", "/"));
                return;
            }
            Optional<ObjectNode> source = fleet.source(id);
            if (source.isPresent()) {
                send(exchange, 200, source.get());
            } else {
                send(exchange, 404, error("no source " + id + " (ids are <cluster>/<database>; GET /fleet lists them)"));
            }
        } else if (path.equals("/")) {
            ObjectNode out = JSON.createObjectNode();
            out.put("fleet", "/fleet").put("source", "/sources/{cluster}/{database}").put("alerts", "/alerts");
            send(exchange, 200, out);
        } else {
            send(exchange, 404, error("no such endpoint " + path + "; try /fleet, /sources/{id} or /alerts"));
        }
    }

    /** Adds the other instances' local parts of {@code field} to {@code into}; names the ones that did not answer. */
    private void merge(List<HostInfo> others, String path, String field, ArrayNode into, ObjectNode out) {
        for (HostInfo host : others) {
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(remote(host, path + "?scope=local"))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IOException("HTTP " + response.statusCode() + ": " + response.body());
                }
                JSON.readTree(response.body()).path(field).forEach(into::add);
            } catch (IOException e) {
                out.withArray("unreachable").add(host.host() + ":" + host.port() + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.withArray("unreachable").add(host.host() + ":" + host.port() + ": interrupted");
            }
        }
    }

    private void proxy(HttpExchange exchange, HostInfo host, String path) throws IOException {
        try {
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(remote(host, path + "?scope=local"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(response.statusCode(), response.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(exchange, 502, error("interrupted while asking " + host.host() + ":" + host.port()));
        } catch (IOException e) {
            send(exchange, 502, error("the instance owning this source (" + host.host() + ":" + host.port()
                    + ") did not answer: " + e.getMessage()));
        }
    }

    private static URI remote(HostInfo host, String pathAndQuery) {
        return URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery);
    }

    private static void unavailable(HttpExchange exchange, String why) throws IOException {
        exchange.getResponseHeaders().set("Retry-After", "1");
        send(exchange, 503, error(why));
    }

    private static JsonNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow();
    }
}
