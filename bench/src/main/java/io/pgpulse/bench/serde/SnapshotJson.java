package io.pgpulse.bench.serde;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategy;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.AnnotatedMethod;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Jackson JSON of the generated Avro classes, as a team that publishes JSON instead would
 * write it: databind through the classes' getters and setters, field names exactly the Avro
 * ones ({@code n_dead_tup}), timestamps as epoch milliseconds, nulls left out. The benchmark
 * measures Avro against this, on the same objects, so both sides carry exactly the same data.
 */
final class SnapshotJson {

    private SnapshotJson() {
    }

    static ObjectMapper mapper() {
        SimpleModule instants = new SimpleModule("epoch-millis")
                .addSerializer(Instant.class, new JsonSerializer<>() {
                    @Override
                    public void serialize(Instant value, JsonGenerator out, SerializerProvider provider)
                            throws IOException {
                        out.writeNumber(value.toEpochMilli());
                    }
                })
                .addDeserializer(Instant.class, new JsonDeserializer<>() {
                    @Override
                    public Instant deserialize(JsonParser in, DeserializationContext context) throws IOException {
                        return Instant.ofEpochMilli(in.getLongValue());
                    }
                });
        return new ObjectMapper()
                .registerModule(instants)
                .addMixIn(SpecificRecordBase.class, AvroPlumbing.class)
                .setPropertyNamingStrategy(new AvroFieldNames())
                .setSerializationInclusion(JsonInclude.Include.NON_NULL)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** Hides what generated classes expose besides their fields. */
    @JsonIgnoreProperties({"schema", "specificData"})
    private abstract static class AvroPlumbing {
    }

    /**
     * Names each property after its Avro field: Jackson derives {@code ntupIns} from
     * {@code getNTupIns()}, which is the field {@code n_tup_ins}; matching ignores case and
     * underscores, within the fields of the record's own schema.
     */
    private static final class AvroFieldNames extends PropertyNamingStrategy {

        @Override
        public String nameForGetterMethod(MapperConfig<?> config, AnnotatedMethod method, String defaultName) {
            return avroName(method, defaultName);
        }

        @Override
        public String nameForSetterMethod(MapperConfig<?> config, AnnotatedMethod method, String defaultName) {
            return avroName(method, defaultName);
        }

        private static String avroName(AnnotatedMember member, String defaultName) {
            Class<?> type = member.getDeclaringClass();
            if (!SpecificRecord.class.isAssignableFrom(type)) {
                return defaultName;
            }
            Schema schema = SpecificData.get().getSchema(type);
            String wanted = squash(defaultName);
            for (Schema.Field field : schema.getFields()) {
                if (squash(field.name()).equals(wanted)) {
                    return field.name();
                }
            }
            return defaultName;
        }

        private static String squash(String name) {
            return name.replace("_", "").toLowerCase(Locale.ROOT);
        }
    }
}
