package io.pgpulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpulse.embedded.EmbeddedKafka;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pgpulse registry --bootstrap-servers ...} as a person runs it: its own JVM, nothing
 * but a Kafka cluster behind it, then the requests of the README's curl lines: a registration
 * answers {@code {"id":N}}, {@code GET /schemas/ids/N} gives the schema back, an incompatible
 * registration is refused with 409 and Confluent's error body. SIGTERM stops it.
 */
class RegistryCommandIT {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SERVING = Pattern.compile("serving (http://\\S+) over _schemas");

    private static final String V1 = """
            {"type":"record","name":"Reading","namespace":"it.cli","fields":[{"name":"value","type":"double"}]}""";
    /** A new field without a default: cannot read what V1 wrote, so BACKWARD refuses it. */
    private static final String INCOMPATIBLE = """
            {"type":"record","name":"Reading","namespace":"it.cli","fields":[{"name":"value","type":"double"},
             {"name":"unit","type":"string"}]}""";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path output;

    @Test
    void registryCommandAloneAnswersRegisterFetchAndRefusal() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Path stdout = output.resolve("registry.out");
            Path stderr = output.resolve("registry.err");
            // The test JVM's class path is the launcher's: its classes and every dependency.
            Process registry = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Pgpulse.class.getName(),
                    "registry", "--bootstrap-servers", kafka.bootstrapServers(), "--port", "0"))
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            try {
                String url = await("pgpulse registry prints the address it serves").atMost(Duration.ofSeconds(90))
                        .until(() -> servingUrl(stdout, stderr, registry), found -> found != null);

                HttpResponse<String> registered = post(url + "/subjects/x-value/versions", V1);
                assertThat(registered.statusCode()).isEqualTo(200);
                JsonNode answer = JSON.readTree(registered.body());
                assertThat(answer.fieldNames()).toIterable().containsExactly("id");
                int id = answer.get("id").asInt();
                assertThat(id).isPositive();

                HttpResponse<String> fetched = http.send(HttpRequest.newBuilder(URI.create(url + "/schemas/ids/" + id))
                        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(fetched.statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(JSON.readTree(fetched.body()).get("schema").asText()))
                        .isEqualTo(JSON.readTree(V1));

                HttpResponse<String> refused = post(url + "/subjects/x-value/versions", INCOMPATIBLE);
                assertThat(refused.statusCode()).isEqualTo(409);
                JsonNode error = JSON.readTree(refused.body());
                assertThat(error.get("error_code").asInt()).isEqualTo(409);
                assertThat(error.get("message").asText()).contains("incompatible");
            } finally {
                registry.destroy();
                if (!registry.waitFor(30, TimeUnit.SECONDS)) {
                    registry.destroyForcibly();
                }
            }
            assertThat(registry.isAlive()).as("registry stopped on SIGTERM").isFalse();
        }
    }

    private HttpResponse<String> post(String url, String schema) throws IOException, InterruptedException {
        String body = JSON.createObjectNode().put("schema", schema).toString();
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The URL the registry printed, null while it has not; fails at once if the process died. */
    private static String servingUrl(Path stdout, Path stderr, Process registry) throws IOException {
        Matcher matcher = SERVING.matcher(Files.readString(stdout, StandardCharsets.UTF_8));
        if (matcher.find()) {
            return matcher.group(1);
        }
        if (!registry.isAlive()) {
            throw new AssertionError("pgpulse registry exited with " + registry.exitValue() + " before serving: "
                    + Files.readString(stderr, StandardCharsets.UTF_8));
        }
        return null;
    }
}
