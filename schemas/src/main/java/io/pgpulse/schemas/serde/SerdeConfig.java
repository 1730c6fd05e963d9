package io.pgpulse.schemas.serde;

import java.util.Map;

/**
 * The configuration keys the serde reads when Kafka builds it from properties
 * ({@code key.serializer=io.pgpulse.schemas.serde.AvroSerializer}), named as Confluent's
 * serde names them so that the same properties work with either.
 */
public final class SerdeConfig {

    /** URL of the registry. Required when the serde is built from properties. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /** Whether the serializer registers its schema (true) or only looks it up (false). */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** {@code user:password} for HTTP basic authentication. */
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    /** Whether the deserializer returns generated classes (true) or {@code GenericRecord} (false, default). */
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";

    private SerdeConfig() {
    }

    static SchemaRegistry registry(Map<String, ?> configs) {
        Object url = configs.get(SCHEMA_REGISTRY_URL);
        if (url == null || url.toString().isBlank()) {
            throw new IllegalArgumentException(SCHEMA_REGISTRY_URL + ": required but missing");
        }
        RegistryClient.Builder builder = RegistryClient.builder(url.toString().split(",")[0].trim());
        Object userInfo = configs.get(BASIC_AUTH_USER_INFO);
        if (userInfo != null && !userInfo.toString().isEmpty()) {
            String text = userInfo.toString();
            int colon = text.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException(BASIC_AUTH_USER_INFO + ": expected user:password");
            }
            builder.basicAuth(text.substring(0, colon), text.substring(colon + 1));
        }
        return builder.build();
    }

    static boolean flag(Map<String, ?> configs, String key, boolean fallback) {
        Object value = configs.get(key);
        if (value == null) {
            return fallback;
        }
        String text = value.toString().trim();
        if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(key + ": expected true or false, found " + text);
        }
        return Boolean.parseBoolean(text);
    }
}
