package io.pgpulse.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpulse.embedded.EmbeddedKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SchemaRegistryServerIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static final String USER_V1 = """
            {"type":"record","name":"User","namespace":"it","fields":[
              {"name":"id","type":"long"}]}""";
    /** The same schema, laid out differently. */
    private static final String USER_V1_REFORMATTED =
            "{ \"namespace\" : \"it\", \"type\" : \"record\", \"name\" : \"User\",\n"
                    + "  \"fields\" : [ { \"type\" : \"long\", \"name\" : \"id\" } ] }";
    /** Adds a field with a default: BACKWARD compatible. */
    private static final String USER_V2 = """
            {"type":"record","name":"User","namespace":"it","fields":[
              {"name":"id","type":"long"},
              {"name":"email","type":"string","default":""}]}""";
    /** Adds a field without a default: cannot read what V1 wrote. */
    private static final String USER_INCOMPATIBLE = """
            {"type":"record","name":"User","namespace":"it","fields":[
              {"name":"id","type":"long"},
              {"name":"tenant","type":"string"}]}""";

    private static EmbeddedKafka kafka;
    private static SchemaRegistryServer registry;

    @BeforeAll
    static void start() throws IOException {
        kafka = EmbeddedKafka.start();
        registry = SchemaRegistryServer.start(kafka.bootstrapServers(), 0);
    }

    @AfterAll
    static void stop() throws IOException {
        if (registry != null) {
            registry.close();
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void registersFetchesAndDeduplicatesSchemas() throws Exception {
        assertThat(registry.url()).matches("http://127\\.0\\.0\\.1:\\d+");

        Reply first = register(registry, "users-value", USER_V1);
        assertThat(first.status).isEqualTo(200);
        assertThat(first.contentType).startsWith("application/vnd.schemaregistry.v1+json");
        int id = first.body.get("id").asInt();
        assertThat(id).isPositive();

        Reply byId = get(registry, "/schemas/ids/" + id);
        assertThat(byId.status).isEqualTo(200);
        assertThat(JSON.readTree(byId.body.get("schema").asText())).isEqualTo(JSON.readTree(USER_V1));

        assertThat(register(registry, "users-value", USER_V1_REFORMATTED).body.get("id").asInt()).isEqualTo(id);
        assertThat(register(registry, "users-copy-value", USER_V1).body.get("id").asInt()).isEqualTo(id);
        assertThat(get(registry, "/subjects/users-value/versions").body.toString()).isEqualTo("[1]");

        Reply latest = get(registry, "/subjects/users-value/versions/latest");
        assertThat(latest.body.get("subject").asText()).isEqualTo("users-value");
        assertThat(latest.body.get("version").asInt()).isEqualTo(1);
        assertThat(latest.body.get("id").asInt()).isEqualTo(id);

        Reply lookup = send(registry, "POST", "/subjects/users-copy-value", schemaBody(USER_V1_REFORMATTED));
        assertThat(lookup.status).isEqualTo(200);
        assertThat(lookup.body.get("version").asInt()).isEqualTo(1);
        assertThat(lookup.body.get("id").asInt()).isEqualTo(id);

        assertThat(get(registry, "/subjects").body.toString()).contains("\"users-value\"", "\"users-copy-value\"");
        assertThat(get(registry, "/schemas/ids/" + id + "/versions").body.size()).isEqualTo(2);
    }

    @Test
    void evolvesCompatiblyAndRefusesIncompatibleChanges() throws Exception {
        int v1 = register(registry, "orders-value", USER_V1).body.get("id").asInt();
        Reply v2 = register(registry, "orders-value", USER_V2);
        assertThat(v2.status).isEqualTo(200);
        assertThat(v2.body.get("id").asInt()).isNotEqualTo(v1);
        assertThat(get(registry, "/subjects/orders-value/versions/2").body.get("id").asInt())
                .isEqualTo(v2.body.get("id").asInt());

        Reply refused = register(registry, "orders-value", USER_INCOMPATIBLE);
        assertThat(refused.status).isEqualTo(409);
        assertThat(refused.body.get("error_code").asInt()).isEqualTo(409);
        assertThat(refused.body.get("message").asText())
                .startsWith("Schema being registered is incompatible with an earlier schema for subject")
                .contains("orders-value", "tenant");
        assertThat(get(registry, "/subjects/orders-value/versions").body.toString()).isEqualTo("[1,2]");

        Reply check = send(registry, "POST", "/compatibility/subjects/orders-value/versions/latest",
                schemaBody(USER_INCOMPATIBLE));
        assertThat(check.body.get("is_compatible").asBoolean()).isFalse();
    }

    @Test
    void answersErrorsWithConfluentBodies() throws Exception {
        assertError(get(registry, "/subjects/nobody-value/versions"), 404, 40401);
        assertThat(get(registry, "/subjects/nobody-value/versions").body.get("message").asText())
                .isEqualTo("Subject 'nobody-value' not found.");
        register(registry, "errors-value", USER_V1);
        assertError(get(registry, "/subjects/errors-value/versions/7"), 404, 40402);
        assertError(get(registry, "/subjects/errors-value/versions/seven"), 422, 42202);
        assertError(get(registry, "/schemas/ids/987654"), 404, 40403);
        assertError(send(registry, "POST", "/subjects/errors-value", schemaBody(USER_V2)), 404, 40403);
        assertError(send(registry, "POST", "/subjects/nobody-value", schemaBody(USER_V2)), 404, 40401);

        Reply garbage = send(registry, "POST", "/subjects/errors-value/versions", "{\"schema\": nope");
        assertThat(garbage.status).isBetween(400, 422);
        assertThat(garbage.body.get("error_code").asInt()).isBetween(400, 422);
        assertThat(garbage.body.get("message").asText()).isNotBlank();
        assertError(send(registry, "POST", "/subjects/errors-value/versions", "[1,2]"), 422, 422);
        assertError(send(registry, "POST", "/subjects/errors-value/versions", ""), 422, 422);
        assertError(register(registry, "errors-value", "{\"type\":\"record\",\"name\":\"X\"}"), 422, 42201);
        assertError(send(registry, "POST", "/subjects/errors-value/versions",
                "{\"schema\":\"syntax = 'proto3';\",\"schemaType\":\"PROTOBUF\"}"), 422, 42201);
        assertError(get(registry, "/no/such/path"), 404, 404);
        assertError(send(registry, "DELETE", "/subjects/errors-value", null), 405, 405);
    }

    @Test
    void decodesUrlEncodedSubjectsAndServesConcurrentRequests() throws Exception {
        String subject = "team a/orders+value";
        Reply registered = register(registry, subject, USER_V1);
        assertThat(registered.status).isEqualTo(200);
        assertThat(get(registry, "/subjects/" + encode(subject) + "/versions/1").body.get("subject").asText())
                .isEqualTo(subject);
        assertThat(get(registry, "/subjects").body.toString()).contains(JSON.writeValueAsString(subject));

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> registrations = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String schema = "{\"type\":\"record\",\"name\":\"Concurrent" + (i % 4) + "\",\"fields\":[]}";
                String concurrentSubject = "concurrent-" + i;
                registrations.add(() -> register(registry, concurrentSubject, schema).body.get("id").asInt());
            }
            List<Integer> ids = new ArrayList<>();
            for (Future<Integer> id : pool.invokeAll(registrations)) {
                ids.add(id.get());
            }
            // Four distinct schemas, each registered under four subjects: four ids, each used four times.
            Set<Integer> distinct = Set.copyOf(ids);
            assertThat(distinct).hasSize(4);
            assertThat(ids.stream().collect(Collectors.groupingBy(id -> id, Collectors.counting())).values())
                    .containsOnly(4L);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void restartedRegistryKeepsIds() throws Exception {
        int id;
        int nextId;
        try (SchemaRegistryServer before = SchemaRegistryServer.start(kafka.bootstrapServers(), 0)) {
            id = register(before, "restart-value", USER_V1).body.get("id").asInt();
            nextId = register(before, "restart-value", USER_V2).body.get("id").asInt();
        }
        try (SchemaRegistryServer after = SchemaRegistryServer.start(kafka.bootstrapServers(), 0)) {
            assertThat(register(after, "restart-value", USER_V1).body.get("id").asInt()).isEqualTo(id);
            assertThat(get(after, "/subjects/restart-value/versions/latest").body.get("id").asInt())
                    .isEqualTo(nextId);
            assertThat(JSON.readTree(get(after, "/schemas/ids/" + id).body.get("schema").asText()))
                    .isEqualTo(JSON.readTree(USER_V1));
            int fresh = register(after, "restart-other-value",
                    "{\"type\":\"record\",\"name\":\"Fresh\",\"fields\":[]}").body.get("id").asInt();
            assertThat(fresh).isGreaterThan(Math.max(id, nextId));
        }
    }

    @Test
    void compatibilityIsConfigurableGloballyAndPerSubject() throws Exception {
        assertThat(get(registry, "/config").body.get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        assertError(get(registry, "/config/config-value"), 404, 40408);
        assertThat(get(registry, "/config/config-value?defaultToGlobal=true").body.get("compatibilityLevel").asText())
                .isEqualTo("BACKWARD");

        register(registry, "config-value", USER_V1);
        assertThat(register(registry, "config-value", USER_INCOMPATIBLE).status).isEqualTo(409);
        Reply set = send(registry, "PUT", "/config/config-value", "{\"compatibility\":\"NONE\"}");
        assertThat(set.status).isEqualTo(200);
        assertThat(set.body.get("compatibility").asText()).isEqualTo("NONE");
        assertThat(get(registry, "/config/config-value").body.get("compatibilityLevel").asText()).isEqualTo("NONE");
        assertThat(register(registry, "config-value", USER_INCOMPATIBLE).status).isEqualTo(200);
        // The global level and other subjects are untouched.
        assertThat(get(registry, "/config").body.get("compatibilityLevel").asText()).isEqualTo("BACKWARD");

        assertError(send(registry, "PUT", "/config/config-value", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
        assertError(send(registry, "PUT", "/config", "{\"level\":\"FULL\"}"), 422, 422);
        assertError(send(registry, "PUT", "/config", "{{{"), 400, 400);

        // A restarted registry reads the subject's level back from _schemas.
        try (SchemaRegistryServer after = SchemaRegistryServer.start(kafka.bootstrapServers(), 0)) {
            assertThat(get(after, "/config/config-value").body.get("compatibilityLevel").asText()).isEqualTo("NONE");
        }
    }

    @Test
    void twoRegistriesOverOneTopicAgreeOnIds() throws Exception {
        try (SchemaRegistryServer other = SchemaRegistryServer.start(kafka.bootstrapServers(), 0)) {
            int id = register(registry, "shared-value", USER_V1).body.get("id").asInt();
            assertThat(register(other, "shared-value", USER_V1).body.get("id").asInt()).isEqualTo(id);
            assertThat(register(other, "shared-copy-value", USER_V1_REFORMATTED).body.get("id").asInt()).isEqualTo(id);
            assertThat(get(other, "/schemas/ids/" + id).status).isEqualTo(200);

            // Both registries hand out ids at once for different schemas: no id may end up
            // naming two schemas, and each registry must answer every id as the other does.
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Callable<int[]>> registrations = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    SchemaRegistryServer target = i % 2 == 0 ? registry : other;
                    String schema = "{\"type\":\"record\",\"name\":\"Race" + i + "\",\"fields\":[]}";
                    int index = i;
                    registrations.add(() -> new int[] {index,
                            register(target, "race-" + index + "-value", schema).body.get("id").asInt()});
                }
                List<int[]> results = new ArrayList<>();
                for (Future<int[]> result : pool.invokeAll(registrations)) {
                    results.add(result.get());
                }
                assertThat(results.stream().map(r -> r[1]).distinct().count()).isEqualTo(12);
                for (int[] result : results) {
                    String expectedName = "Race" + result[0];
                    for (SchemaRegistryServer server : List.of(registry, other)) {
                        Reply byId = get(server, "/schemas/ids/" + result[1]);
                        assertThat(byId.status).isEqualTo(200);
                        assertThat(JSON.readTree(byId.body.get("schema").asText()).get("name").asText())
                                .isEqualTo(expectedName);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void assertError(Reply reply, int status, int errorCode) {
        assertThat(reply.status).as(reply.body.toString()).isEqualTo(status);
        assertThat(reply.body.get("error_code").asInt()).as(reply.body.toString()).isEqualTo(errorCode);
        assertThat(reply.body.get("message").asText()).isNotBlank();
    }

    private static Reply register(SchemaRegistryServer server, String subject, String schema) throws Exception {
        return send(server, "POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
    }

    private static Reply get(SchemaRegistryServer server, String path) throws Exception {
        return send(server, "GET", path, null);
    }

    private static Reply send(SchemaRegistryServer server, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Accept", "application/vnd.schemaregistry.v1+json")
                .header("Content-Type", "application/vnd.schemaregistry.v1+json");
        request.method(method, body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                JSON.readTree(response.body()));
    }

    private static String schemaBody(String schema) throws IOException {
        return JSON.createObjectNode().put("schema", schema).toString();
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private record Reply(int status, String contentType, JsonNode body) {
    }
}
