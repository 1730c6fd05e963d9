package io.pgpulse.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

class AvroJsonTest {

    private static final Schema SCHEMA = new Schema.Parser().parse("""
            {"type": "record", "name": "R", "fields": [
              {"name": "ratio", "type": "double"},
              {"name": "missing", "type": ["null", "double"], "default": null},
              {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["TABLE", "INDEX"]}},
              {"name": "tags", "type": {"type": "map", "values": "string"}},
              {"name": "names", "type": {"type": "array", "items": "string"}}
            ]}""");

    @Test
    void plainJsonForPeopleWithNullsKeptAndNoNaN() {
        GenericData.Record r = new GenericData.Record(SCHEMA);
        r.put("ratio", Double.NaN);
        r.put("missing", null);
        r.put("at", Instant.parse("2026-12-02T06:00:00Z"));
        r.put("kind", new GenericData.EnumSymbol(SCHEMA.getField("kind").schema(), "INDEX"));
        r.put("tags", Map.of("env", "prod"));
        r.put("names", List.of("a \"quoted\" name", "ünïcode"));

        assertThat(AvroJson.of(r).toString()).isEqualTo("{\"ratio\":null,\"missing\":null,\"at\":\"2026-12-02T06:00:00Z\","
                + "\"kind\":\"INDEX\",\"tags\":{\"env\":\"prod\"},\"names\":[\"a \\\"quoted\\\" name\",\"ünïcode\"]}");
    }
}
