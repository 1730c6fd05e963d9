package io.pgpulse.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RegistryRoutesTest {

    @Test
    void decodesEachPathSegmentOnItsOwn() {
        assertThat(RegistryRoutes.segments("/subjects/team%20a%2Forders+value/versions/latest"))
                .containsExactly("subjects", "team a/orders+value", "versions", "latest");
        assertThat(RegistryRoutes.segments("/")).isEmpty();
        assertThat(RegistryRoutes.segments("/subjects/")).containsExactly("subjects");
        assertThat(RegistryRoutes.segments("/subjects/%C3%A9t%C3%A9")).containsExactly("subjects", "été");
    }

    @Test
    void malformedEncodingIsABadRequest() {
        assertThatThrownBy(() -> RegistryRoutes.segments("/subjects/%zz"))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.errorCode()).isEqualTo(400);
                });
    }

    @Test
    void canonicalFormIgnoresLayoutButKeepsDefaults() {
        String compact = SchemaRegistrar.canonical(
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}", null);
        String spaced = SchemaRegistrar.canonical(
                "{ \"name\" : \"R\", \"type\" : \"record\",\n \"fields\" : [ {\"type\":\"int\", \"name\":\"a\"} ] }",
                "AVRO");
        String withDefault = SchemaRegistrar.canonical(
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\",\"default\":1}]}",
                null);
        assertThat(spaced).isEqualTo(compact);
        assertThat(withDefault).isNotEqualTo(compact);
    }

    @Test
    void errorCodesMapToHttpStatuses() {
        assertThat(RegistryException.subjectNotFound("s").httpStatus()).isEqualTo(404);
        assertThat(RegistryException.invalidSchema("x").httpStatus()).isEqualTo(422);
        assertThat(new RegistryException(409, "x").httpStatus()).isEqualTo(409);
        assertThat(new RegistryException(RegistryException.STORE_ERROR, "x").httpStatus()).isEqualTo(500);
    }
}
