package io.pgpulse.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompatibilityLevelTest {

    private static final Schema V1 = schema("{\"name\":\"id\",\"type\":\"long\"}");
    /** Adds a defaulted field: every level accepts it. */
    private static final Schema V2_DEFAULTED = schema("{\"name\":\"id\",\"type\":\"long\"},"
            + "{\"name\":\"note\",\"type\":\"string\",\"default\":\"\"}");
    /** Adds a required field: old readers can read new data (FORWARD) but not the other way. */
    private static final Schema V2_REQUIRED = schema("{\"name\":\"id\",\"type\":\"long\"},"
            + "{\"name\":\"tenant\",\"type\":\"string\"}");
    /** Drops the only field that V1 requires: new readers read old data (BACKWARD), old readers fail. */
    private static final Schema V2_DROPPED = schema("");

    @Test
    void eachLevelChecksItsDirection() {
        assertThat(CompatibilityLevel.BACKWARD.problems(V2_DEFAULTED, List.of(V1))).isEmpty();
        assertThat(CompatibilityLevel.FULL.problems(V2_DEFAULTED, List.of(V1))).isEmpty();

        assertThat(CompatibilityLevel.BACKWARD.problems(V2_REQUIRED, List.of(V1))).isNotEmpty();
        assertThat(CompatibilityLevel.FORWARD.problems(V2_REQUIRED, List.of(V1))).isEmpty();
        assertThat(CompatibilityLevel.NONE.problems(V2_REQUIRED, List.of(V1))).isEmpty();

        assertThat(CompatibilityLevel.BACKWARD.problems(V2_DROPPED, List.of(V1))).isEmpty();
        assertThat(CompatibilityLevel.FORWARD.problems(V2_DROPPED, List.of(V1))).isNotEmpty();
        assertThat(CompatibilityLevel.FULL.problems(V2_DROPPED, List.of(V1))).isNotEmpty();
    }

    @Test
    void transitiveLevelsCheckEveryEarlierVersion() {
        // V1 -> V2_DEFAULTED is fine; a V3 that drops the default of "note" reads V2 data but not V1 data.
        Schema v3 = schema("{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"note\",\"type\":\"string\"}");
        assertThat(CompatibilityLevel.BACKWARD.problems(v3, List.of(V1, V2_DEFAULTED))).isEmpty();
        assertThat(CompatibilityLevel.BACKWARD_TRANSITIVE.problems(v3, List.of(V1, V2_DEFAULTED))).isNotEmpty();
    }

    @Test
    void parsesLevelsCaseInsensitivelyAndNamesTheAllowedOnes() {
        assertThat(CompatibilityLevel.parse("full_transitive")).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
        assertThatThrownBy(() -> CompatibilityLevel.parse("SIDEWAYS"))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(42203);
                    assertThat(e.httpStatus()).isEqualTo(422);
                    assertThat(e.getMessage()).contains("backward_transitive", "SIDEWAYS");
                });
    }

    private static Schema schema(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[" + fields + "]}");
    }
}
