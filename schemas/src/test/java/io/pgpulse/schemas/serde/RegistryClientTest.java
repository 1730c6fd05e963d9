package io.pgpulse.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client's transport behaviour (retries, authentication, cache bounds), which needs a
 * server that fails on purpose; the API itself is tested against the real registry in
 * {@link RegistryClientIT}.
 */
class RegistryClientTest {

    private static final String SCHEMA_ANSWER = "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"R\\\","
            + "\\\"fields\\\":[]}\"}";

    private HttpServer http;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (http != null) {
            http.stop(0);
        }
    }

    @Test
    void retriesServerErrorsWithBackoffAndGivesUpAfterTheLastAttempt() throws IOException {
        AtomicInteger failuresLeft = new AtomicInteger(2);
        String url = serve(exchange -> {
            if (failuresLeft.getAndDecrement() > 0) {
                answer(exchange, 503, "{\"error_code\":50003,\"message\":\"forwarding failed\"}");
            } else {
                answer(exchange, 200, SCHEMA_ANSWER);
            }
        });
        RegistryClient client = RegistryClient.builder(url)
                .retries(3, Duration.ofMillis(10), Duration.ofMillis(40)).build();
        assertThat(client.schemaById(1).getName()).isEqualTo("R");
        assertThat(requests).hasSize(3);

        failuresLeft.set(5);
        requests.clear();
        assertThatThrownBy(() -> client.schemaById(2))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(503);
                    assertThat(e.errorCode()).isEqualTo(50003);
                    assertThat(e.getMessage()).contains("forwarding failed");
                });
        assertThat(requests).hasSize(3);
    }

    @Test
    void clientErrorsAreNotRetried() throws IOException {
        String url = serve(exchange -> answer(exchange, 404, "{\"error_code\":40403,\"message\":\"Schema 7 not found.\"}"));
        RegistryClient client = RegistryClient.builder(url).retries(5, Duration.ofMillis(10), Duration.ofMillis(10))
                .build();
        assertThatThrownBy(() -> client.schemaById(7)).isInstanceOf(SchemaNotFoundException.class);
        assertThat(requests).hasSize(1);
    }

    @Test
    void sendsBasicAuthAndTheConfluentMediaType() throws IOException {
        String url = serve(exchange -> answer(exchange, 200, SCHEMA_ANSWER));
        RegistryClient.builder(url).basicAuth("alice", "s3cret:x").build().schemaById(1);
        // base64("alice:s3cret:x")
        assertThat(authorizations).containsExactly("Basic YWxpY2U6czNjcmV0Ong=");
    }

    @Test
    void cacheKeepsAtMostItsCapacity() throws IOException {
        String url = serve(exchange -> answer(exchange, 200, SCHEMA_ANSWER));
        RegistryClient client = RegistryClient.builder(url).cacheCapacity(2).build();
        client.schemaById(1);
        client.schemaById(2);
        client.schemaById(1);
        assertThat(requests).hasSize(2);
        client.schemaById(3); // evicts 2, the least recently used
        client.schemaById(1);
        client.schemaById(2);
        assertThat(requests).containsExactly("/schemas/ids/1", "/schemas/ids/2", "/schemas/ids/3",
                "/schemas/ids/2");
    }

    @Test
    void refusesUrlsThatAreNotHttp() {
        assertThatThrownBy(() -> RegistryClient.builder("localhost:8081"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema registry url");
    }

    private interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private String serve(Handler handler) throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            try (exchange) {
                requests.add(exchange.getRequestURI().getPath());
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                if (auth != null) {
                    authorizations.add(auth);
                }
                assertThat(exchange.getRequestHeaders().getFirst("Accept"))
                        .isEqualTo("application/vnd.schemaregistry.v1+json");
                handler.handle(exchange);
            }
        });
        http.start();
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", RegistryClient.CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
