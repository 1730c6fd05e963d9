package io.pgpulse.schemas.serde;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client of the Confluent Schema Registry REST API v1: register and look up schemas, fetch
 * one by id, read a subject's versions, test compatibility, read and set the compatibility
 * level. It speaks {@value #CONTENT_TYPE}, so it works against Confluent's registry, Apicurio
 * (ccompat), Karapace, Redpanda and pgpulse's own.
 *
 * <p>Error answers become typed exceptions by Confluent's {@code error_code}
 * ({@link RegistryException#of}). Requests that got no answer or a 5xx/429 are retried with
 * doubling backoff; 4xx answers are final. Ids and schemas by id are cached in bounded LRU
 * caches: an id never changes meaning, so those answers never go stale. Subject versions and
 * config are not cached, because they do change.
 */
public final class RegistryClient implements SchemaRegistry {

    /** The media type of Confluent's API, version 1. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /** Default number of schemas and of (subject, schema) ids kept. */
    public static final int DEFAULT_CACHE_CAPACITY = 1000;
    /** Default attempts per request, the first included. */
    public static final int DEFAULT_ATTEMPTS = 4;

    private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final int attempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Optional<String> authorization;
    private final BoundedCache<Integer, Schema> schemasById;
    private final BoundedCache<SubjectSchema, Integer> idsBySubjectSchema;

    private RegistryClient(Builder builder) {
        this.baseUrl = builder.baseUrl;
        this.requestTimeout = builder.requestTimeout;
        this.attempts = builder.attempts;
        this.initialBackoff = builder.initialBackoff;
        this.maxBackoff = builder.maxBackoff;
        this.authorization = Optional.ofNullable(builder.user).map(user -> "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + builder.password).getBytes(StandardCharsets.UTF_8)));
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(requestTimeout);
        if (builder.sslContext != null) {
            http.sslContext(builder.sslContext);
        }
        this.http = http.build();
        this.schemasById = new BoundedCache<>(builder.cacheCapacity);
        this.idsBySubjectSchema = new BoundedCache<>(builder.cacheCapacity);
    }

    /** A client of the registry at {@code baseUrl} with every default. */
    public RegistryClient(String baseUrl) {
        this(builder(baseUrl));
    }

    /** Starts building a client of the registry at {@code baseUrl} ({@code http://} or {@code https://}). */
    public static Builder builder(String baseUrl) {
        return new Builder(baseUrl);
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** Registers {@code schema} under {@code subject} (or finds it there) and returns its id. */
    @Override
    public int register(String subject, Schema schema) {
        return idsBySubjectSchema.get(new SubjectSchema(subject, schema), key -> {
            int id = post("/subjects/" + encode(subject) + "/versions", schemaBody(schema)).path("id").asInt(-1);
            schemasById.put(id, schema);
            return id;
        });
    }

    /** Returns the id of {@code schema} under {@code subject} without registering it. */
    @Override
    public int lookup(String subject, Schema schema) {
        return idsBySubjectSchema.get(new SubjectSchema(subject, schema), key -> {
            int id = post("/subjects/" + encode(subject), schemaBody(schema)).path("id").asInt(-1);
            schemasById.put(id, schema);
            return id;
        });
    }

    /** The schema registered under {@code id}. */
    @Override
    public Schema schemaById(int id) {
        return schemasById.get(id, key -> parse(get("/schemas/ids/" + key).path("schema").asText()));
    }

    /** Every subject the registry holds. */
    public List<String> subjects() {
        List<String> subjects = new ArrayList<>();
        get("/subjects").forEach(subject -> subjects.add(subject.asText()));
        return subjects;
    }

    /** The version numbers of {@code subject}, oldest first. */
    public List<Integer> versions(String subject) {
        List<Integer> versions = new ArrayList<>();
        get("/subjects/" + encode(subject) + "/versions").forEach(version -> versions.add(version.asInt()));
        return versions;
    }

    /** The latest version of {@code subject}. */
    public RegisteredSchema latestVersion(String subject) {
        return describe(get("/subjects/" + encode(subject) + "/versions/latest"));
    }

    /** Version {@code version} of {@code subject}. */
    public RegisteredSchema version(String subject, int version) {
        return describe(get("/subjects/" + encode(subject) + "/versions/" + version));
    }

    /** Whether {@code schema} could be registered as the next version of {@code subject}. */
    public boolean isCompatible(String subject, Schema schema) {
        return post("/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema))
                .path("is_compatible").asBoolean(false);
    }

    /** The registry's global compatibility level, e.g. {@code BACKWARD}. */
    public String compatibility() {
        return get("/config").path("compatibilityLevel").asText();
    }

    /** The compatibility level that applies to {@code subject}: its own, or the global one. */
    public String compatibility(String subject) {
        return get("/config/" + encode(subject) + "?defaultToGlobal=true").path("compatibilityLevel").asText();
    }

    /** Sets the global compatibility level. */
    public void setCompatibility(String level) {
        put("/config", levelBody(level));
    }

    /** Sets the compatibility level of {@code subject}, overriding the global one. */
    public void setCompatibility(String subject, String level) {
        put("/config/" + encode(subject), levelBody(level));
    }

    private static ObjectNode schemaBody(Schema schema) {
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", schema.toString());
        return body;
    }

    private static ObjectNode levelBody(String level) {
        ObjectNode body = JSON.createObjectNode();
        body.put("compatibility", Objects.requireNonNull(level, "level"));
        return body;
    }

    private static RegisteredSchema describe(JsonNode answer) {
        return new RegisteredSchema(answer.path("subject").asText(), answer.path("version").asInt(),
                answer.path("id").asInt(), parse(answer.path("schema").asText()));
    }

    private static Schema parse(String text) {
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw new RegistryException("the registry answered with a schema Avro cannot parse: " + e.getMessage(), e);
        }
    }

    private JsonNode get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private JsonNode post(String path, JsonNode body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private JsonNode put(String path, JsonNode body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", CONTENT_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private URI uri(String path) {
        return URI.create(baseUrl + path);
    }

    private JsonNode send(HttpRequest.Builder request) {
        request.header("Accept", CONTENT_TYPE).timeout(requestTimeout);
        authorization.ifPresent(value -> request.header("Authorization", value));
        HttpRequest built = request.build();
        Duration backoff = initialBackoff;
        for (int attempt = 1; ; attempt++) {
            try {
                return sendOnce(built);
            } catch (RegistryException e) {
                if (!e.retriable() || attempt >= attempts) {
                    throw e;
                }
                LOG.warn("{} {} failed (attempt {} of {}), retrying in {} ms: {}", built.method(), built.uri(),
                        attempt, attempts, backoff.toMillis(), e.getMessage());
                pause(backoff);
                backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            }
        }
    }

    private JsonNode sendOnce(HttpRequest request) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new RegistryException("schema registry at " + baseUrl + " unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted while calling the schema registry at " + baseUrl, e);
        }
        JsonNode body = readBody(response);
        if (response.statusCode() / 100 != 2) {
            throw RegistryException.of(response.statusCode(), body.path("error_code").asInt(response.statusCode()),
                    body.path("message").asText("registry answered HTTP " + response.statusCode()) + " at "
                            + request.method() + " " + request.uri());
        }
        return body;
    }

    private static JsonNode readBody(HttpResponse<String> response) {
        String text = response.body();
        if (text == null || text.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            // A proxy's HTML error page, say: keep the status, say what came back.
            ObjectNode body = JSON.createObjectNode();
            body.put("message", "answer is not JSON: " + text.substring(0, Math.min(200, text.length())));
            return body;
        }
    }

    private static void pause(Duration backoff) {
        try {
            Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted while waiting to retry the schema registry", e);
        }
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private record SubjectSchema(String subject, Schema schema) {
    }

    /** Options of a {@link RegistryClient}; every one has a default. */
    public static final class Builder {

        private final String baseUrl;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private int attempts = DEFAULT_ATTEMPTS;
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(5);
        private int cacheCapacity = DEFAULT_CACHE_CAPACITY;
        private String user;
        private String password;
        private SSLContext sslContext;

        private Builder(String baseUrl) {
            Objects.requireNonNull(baseUrl, "baseUrl");
            URI parsed;
            try {
                parsed = URI.create(baseUrl);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("schema registry url: not a URL: " + baseUrl, e);
            }
            if (!"http".equals(parsed.getScheme()) && !"https".equals(parsed.getScheme())) {
                throw new IllegalArgumentException("schema registry url: expected http:// or https://, found "
                        + baseUrl);
            }
            this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        }

        /** How long one request may take (default 10 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * How often to try a request that got no answer or a 5xx (default {@value RegistryClient#DEFAULT_ATTEMPTS}),
         * waiting {@code initialBackoff} before the second try and doubling up to {@code maxBackoff}.
         */
        public Builder retries(int attempts, Duration initialBackoff, Duration maxBackoff) {
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be at least 1, was " + attempts);
            }
            this.attempts = attempts;
            this.initialBackoff = positive(initialBackoff, "initialBackoff");
            this.maxBackoff = positive(maxBackoff, "maxBackoff");
            return this;
        }

        /** How many schemas and ids to keep (default {@value RegistryClient#DEFAULT_CACHE_CAPACITY} each). */
        public Builder cacheCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("cacheCapacity must be at least 1, was " + capacity);
            }
            this.cacheCapacity = capacity;
            return this;
        }

        /** HTTP basic authentication, as Confluent's {@code basic.auth.user.info}. */
        public Builder basicAuth(String user, String password) {
            this.user = Objects.requireNonNull(user, "user");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** The TLS context for an {@code https://} registry (trust store, client certificate). */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        public RegistryClient build() {
            return new RegistryClient(this);
        }


        private static Duration positive(Duration value, String name) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be a positive duration, was " + value);
            }
            return value;
        }
    }
}
