package io.pgpulse.sink.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTP endpoint standing in for a webhook or Slack: keeps every JSON body it
 * accepted, counts the requests it refused, and answers with a status a test can switch
 * (500 plays a channel that is down).
 */
public final class HttpReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<JsonNode> accepted = new CopyOnWriteArrayList<>();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile int status = 200;

    public HttpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (exchange; InputStream body = exchange.getRequestBody()) {
                JsonNode json = JSON.readTree(body);
                int answer = status;
                if (answer / 100 == 2) {
                    accepted.add(json);
                } else {
                    refused.incrementAndGet();
                }
                exchange.sendResponseHeaders(answer, -1);
            }
        });
        server.start();
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** From now on answer with this HTTP status. */
    public void answer(int status) {
        this.status = status;
    }

    public List<JsonNode> accepted() {
        return List.copyOf(accepted);
    }

    public int refused() {
        return refused.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
