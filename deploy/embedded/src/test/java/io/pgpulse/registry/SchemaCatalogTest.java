package io.pgpulse.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The rules by which every registry replaying {@code _schemas} reaches the same ids. */
class SchemaCatalogTest {

    private static final String A = SchemaRegistrar.canonical("{\"type\":\"record\",\"name\":\"A\",\"fields\":[]}", null);
    private static final String B = SchemaRegistrar.canonical("{\"type\":\"record\",\"name\":\"B\",\"fields\":[]}", null);

    @Test
    void firstClaimOfAnIdWinsAndTheLoserTakesTheNextFreeId() {
        SchemaCatalog catalog = new SchemaCatalog();
        assertThat(catalog.apply(new SchemaVersion("a-value", 1, 1, A, "AVRO"))).isTrue();
        // Another registry, not having seen the first claim yet, offered id 1 for B.
        assertThat(catalog.apply(new SchemaVersion("b-value", 1, 1, B, "AVRO"))).isFalse();
        assertThat(catalog.schema(1)).contains(A);
        assertThat(catalog.subjects()).containsExactly("a-value");
        assertThat(catalog.maxId() + 1).isEqualTo(2);
        assertThat(catalog.apply(new SchemaVersion("b-value", 1, 2, B, "AVRO"))).isTrue();
        assertThat(catalog.idOf(B)).contains(2);
    }

    @Test
    void aSchemaKeepsItsFirstIdAndASubjectVersionItsFirstSchema() {
        SchemaCatalog catalog = new SchemaCatalog();
        assertThat(catalog.apply(new SchemaVersion("x-value", 1, 5, A, "AVRO"))).isTrue();
        assertThat(catalog.apply(new SchemaVersion("y-value", 1, 6, A, "AVRO"))).isFalse();
        assertThat(catalog.apply(new SchemaVersion("y-value", 1, 5, A, "AVRO"))).isTrue();
        assertThat(catalog.apply(new SchemaVersion("x-value", 1, 7, B, "AVRO"))).isFalse();
        assertThat(catalog.apply(new SchemaVersion("x-value", 2, 5, A, "AVRO"))).isFalse();
        // A replayed, identical claim changes nothing.
        assertThat(catalog.apply(new SchemaVersion("x-value", 1, 5, A, "AVRO"))).isTrue();
        assertThat(catalog.versions("x-value")).containsExactly(1);
        assertThat(catalog.usesOf(5)).extracting(SchemaVersion::subject).containsExactly("x-value", "y-value");
        // Lost claims still count: id 7 was offered once and is never offered again.
        assertThat(catalog.maxId()).isEqualTo(7);
    }

    @Test
    void subjectLevelOverridesTheGlobalOneUntilCleared() {
        SchemaCatalog catalog = new SchemaCatalog();
        assertThat(catalog.effectiveLevel("s")).isEqualTo(CompatibilityLevel.BACKWARD);
        catalog.applyConfig(null, CompatibilityLevel.FULL);
        catalog.applyConfig("s", CompatibilityLevel.NONE);
        assertThat(catalog.effectiveLevel("s")).isEqualTo(CompatibilityLevel.NONE);
        assertThat(catalog.effectiveLevel("t")).isEqualTo(CompatibilityLevel.FULL);
        catalog.applyConfig("s", null);
        assertThat(catalog.subjectLevel("s")).isEmpty();
        assertThat(catalog.effectiveLevel("s")).isEqualTo(CompatibilityLevel.FULL);
        assertThat(List.of(catalog.globalLevel())).containsExactly(CompatibilityLevel.FULL);
    }
}
