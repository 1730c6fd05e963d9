package io.pgpulse.sink.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pgpulse.sink.remediation.RecentCommands;
import io.pgpulse.sink.routing.Silence;
import io.pgpulse.sink.routing.SilenceStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's HTTP API (JSON), for silences and for the record of maintenance:
 * <ul>
 *   <li>{@code GET /silences}: every silence with its state (pending, active, expired)</li>
 *   <li>{@code POST /silences}: {@code {"matchers": ["source=\"pg-01/app\""], "duration": "2h",
 *       "createdBy": "ana", "comment": "migration"}} ({@code endsAt} instead of {@code duration} works
 *       too); answers 201 with the silence, or 400 naming the field that is wrong</li>
 *   <li>{@code DELETE /silences/{id}}: 204, or 404 when there is no such silence</li>
 *   <li>{@code GET /commands}: the recent maintenance commands, newest first, each with its outcome
 *       ({@code PENDING} until a result arrives) and every result; {@code ?source=<cluster>/<db>} keeps
 *       one database's, {@code ?limit=N} (default {@value #DEFAULT_COMMANDS_LIMIT}) caps the list</li>
 *   <li>{@code GET /remediation}: the kill switch, the policy (dry run, windows, rate limit) and every
 *       alert whose maintenance is held, with why ({@code {"enabled": false}} when remediation is off)</li>
 * </ul>
 * Silences are stored in the {@link SilenceStore}, so every sink instance applies them;
 * commands come from {@link RecentCommands}.
 */
public final class SinkApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SinkApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_BYTES = 64 * 1024;
    static final int DEFAULT_COMMANDS_LIMIT = 100;

    private final HttpServer server;
    private final ExecutorService executor;
    private final SilenceStore store;
    private final RecentCommands commands;
    private final Clock clock;
    private volatile Supplier<JsonNode> remediation = () -> JSON.createObjectNode().put("enabled", false);
    private boolean closed;

    private SinkApi(HttpServer server, SilenceStore store, RecentCommands commands, Clock clock) {
        this.server = server;
        this.store = store;
        this.commands = commands;
        this.clock = clock;
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "pgpulse-sink-api");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/silences", this::handle);
        server.createContext("/commands", this::handleCommands);
        server.createContext("/remediation", this::handleRemediation);
        server.createContext("/", exchange -> {
            try (exchange) {
                error(exchange, 404, "no such resource: " + exchange.getRequestURI().getPath()
                        + " (try /silences, /commands or /remediation)");
            }
        });
    }

    /** Listens on {@code address} (port 0 picks a free one). */
    public static SinkApi start(InetSocketAddress address, SilenceStore store, RecentCommands commands, Clock clock)
            throws IOException {
        SinkApi api = new SinkApi(HttpServer.create(address, 0), store, commands, clock);
        api.server.start();
        return api;
    }

    public URI url() {
        InetSocketAddress address = server.getAddress();
        return URI.create("http://" + address.getHostString() + ":" + address.getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            route(exchange);
        }
    }

    /** What {@code GET /remediation} shows: the kill switch, the policy and what is held; set once remediation runs. */
    public void showRemediation(Supplier<JsonNode> view) {
        this.remediation = view;
    }

    private void handleRemediation(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")) {
                error(exchange, 405, exchange.getRequestMethod() + " /remediation: expected GET");
                return;
            }
            send(exchange, 200, remediation.get());
        } catch (RuntimeException e) {
            log.error("sink API: {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString(), e);
            error(exchange, 500, e.getMessage());
        }
    }

    private void handleCommands(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!path.equals("/commands") && !path.equals("/commands/")) {
                error(exchange, 404, "no such resource: " + path + " (try /commands)");
                return;
            }
            if (!exchange.getRequestMethod().equals("GET")) {
                error(exchange, 405, exchange.getRequestMethod() + " /commands: expected GET");
                return;
            }
            String source = null;
            int limit = DEFAULT_COMMANDS_LIMIT;
            for (Map.Entry<String, String> param : query(exchange.getRequestURI()).entrySet()) {
                switch (param.getKey()) {
                    case "source" -> source = param.getValue();
                    case "limit" -> {
                        try {
                            limit = Integer.parseInt(param.getValue());
                        } catch (NumberFormatException e) {
                            limit = -1;
                        }
                        if (limit < 1) {
                            error(exchange, 400, "limit: expected a positive whole number, found '" + param.getValue() + "'");
                            return;
                        }
                    }
                    default -> {
                        error(exchange, 400, param.getKey() + ": unknown parameter; expected source or limit");
                        return;
                    }
                }
            }
            send(exchange, 200, commands.toJson(source, limit));
        } catch (RuntimeException e) {
            log.error("sink API: {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString(), e);
            error(exchange, 500, e.getMessage());
        }
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> params = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(key, value);
        }
        return params;
    }

    private void route(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/silences") || path.equals("/silences/")) {
                switch (method) {
                    case "GET" -> send(exchange, 200, list());
                    case "POST" -> create(exchange);
                    default -> error(exchange, 405, method + " /silences: expected GET or POST");
                }
            } else if (path.startsWith("/silences/")) {
                String id = path.substring("/silences/".length());
                switch (method) {
                    case "GET" -> {
                        var silence = store.get(id);
                        if (silence.isPresent()) {
                            send(exchange, 200, view(silence.get()));
                        } else {
                            error(exchange, 404, "no silence with id " + id);
                        }
                    }
                    case "DELETE" -> {
                        if (store.delete(id)) {
                            exchange.sendResponseHeaders(204, -1);
                        } else {
                            error(exchange, 404, "no silence with id " + id);
                        }
                    }
                    default -> error(exchange, 405, method + " /silences/{id}: expected GET or DELETE");
                }
            } else {
                error(exchange, 404, "no such resource: " + path + " (try /silences)");
            }
        } catch (RuntimeException e) {
            log.error("sink API: {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString(), e);
            error(exchange, 500, e.getMessage());
        }
    }

    private void create(HttpExchange exchange) throws IOException {
        JsonNode body;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                error(exchange, 413, "a silence is at most " + MAX_BODY_BYTES + " bytes of JSON");
                return;
            }
            body = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            error(exchange, 400, "not JSON: " + e.getOriginalMessage());
            return;
        }
        Silence silence;
        try {
            silence = Silence.fromJson(body, clock);
            if (!silence.endsAt().isAfter(clock.instant())) {
                throw new IllegalArgumentException("endsAt: already past (" + silence.endsAt() + "); a silence must end in the future");
            }
        } catch (IllegalArgumentException e) {
            error(exchange, 400, e.getMessage());
            return;
        }
        store.put(silence);
        log.info("silence {} created by {} until {}: {} ({})", silence.id(), silence.createdBy(), silence.endsAt(),
                silence.matchers(), silence.comment());
        send(exchange, 201, view(silence));
    }

    private ArrayNode list() {
        ArrayNode out = JSON.createArrayNode();
        store.list().forEach(s -> out.add(view(s)));
        return out;
    }

    private ObjectNode view(Silence silence) {
        Instant now = clock.instant();
        ObjectNode node = silence.toJson();
        node.put("state", silence.state(now));
        return node;
    }

    private static void error(HttpExchange exchange, int status, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("error", message);
        send(exchange, status, body);
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
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
