package io.pgpulse.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgpulse.embedded.EmbeddedRuntime;
import java.io.IOException;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The registry client's REST API subset, against the registry server on a real broker. */
class RegistryClientIT {

    private static final Schema V1 = record("{\"name\":\"id\",\"type\":\"long\"}");
    private static final Schema V2 = record("{\"name\":\"id\",\"type\":\"long\"},"
            + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}");
    private static final Schema REQUIRED_ADDED = record("{\"name\":\"id\",\"type\":\"long\"},"
            + "{\"name\":\"tenant\",\"type\":\"string\"}");

    private static EmbeddedRuntime runtime;
    private static RegistryClient client;

    @BeforeAll
    static void start() throws IOException {
        runtime = EmbeddedRuntime.start();
        client = RegistryClient.builder(runtime.registryUrl() + "/").cacheCapacity(10).build();
    }

    @AfterAll
    static void stop() throws IOException {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void registersLooksUpAndListsVersions() {
        int v1 = client.register("client-value", V1);
        int v2 = client.register("client-value", V2);
        assertThat(v2).isNotEqualTo(v1);
        assertThat(client.lookup("client-value", V1)).isEqualTo(v1);
        assertThat(client.schemaById(v2)).isEqualTo(V2);
        assertThat(client.versions("client-value")).containsExactly(1, 2);
        assertThat(client.subjects()).contains("client-value");
        assertThat(client.latestVersion("client-value"))
                .isEqualTo(new RegisteredSchema("client-value", 2, v2, V2));
        assertThat(client.version("client-value", 1)).isEqualTo(new RegisteredSchema("client-value", 1, v1, V1));
        assertThat(client.isCompatible("client-value", REQUIRED_ADDED)).isFalse();
        // A fresh client (empty cache) finds the same ids.
        assertThat(new RegistryClient(runtime.registryUrl()).register("client-value", V1)).isEqualTo(v1);
    }

    @Test
    void errorAnswersBecomeTypedExceptions() {
        client.register("typed-value", V1);
        assertThatThrownBy(() -> client.versions("never-registered-value"))
                .isInstanceOf(SubjectNotFoundException.class)
                .hasMessageContaining("never-registered-value").hasMessageContaining("40401");
        assertThatThrownBy(() -> client.version("typed-value", 9)).isInstanceOf(VersionNotFoundException.class);
        assertThatThrownBy(() -> client.schemaById(424_242)).isInstanceOf(SchemaNotFoundException.class);
        assertThatThrownBy(() -> client.lookup("typed-value", V2)).isInstanceOf(SchemaNotFoundException.class);
        assertThatThrownBy(() -> client.register("typed-value", REQUIRED_ADDED))
                .isInstanceOf(IncompatibleSchemaException.class);
        assertThatThrownBy(() -> client.setCompatibility("typed-value", "SIDEWAYS"))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(42203));
    }

    @Test
    void compatibilityLevelIsReadAndSetPerSubject() {
        client.register("levels-value", V1);
        assertThat(client.compatibility()).isEqualTo("BACKWARD");
        assertThat(client.compatibility("levels-value")).isEqualTo("BACKWARD");
        client.setCompatibility("levels-value", "FORWARD");
        assertThat(client.compatibility("levels-value")).isEqualTo("FORWARD");
        assertThat(client.compatibility()).isEqualTo("BACKWARD");
        // Under FORWARD, adding a required field is allowed: v1 readers ignore it.
        assertThat(client.register("levels-value", REQUIRED_ADDED)).isPositive();
    }

    private static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Client\",\"namespace\":\"it.client\","
                + "\"fields\":[" + fields + "]}");
    }
}
