package io.pgpulse.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subset of Confluent's Schema Registry REST API that serializers, deserializers and
 * people debugging them use (see Confluent's "Schema Registry API Reference"):
 *
 * <pre>
 * GET  /                                        {}
 * GET  /schemas/types                           ["AVRO"]
 * GET  /schemas/ids/{id}                        {"schema":..}
 * GET  /schemas/ids/{id}/versions               [{"subject":..,"version":..}]
 * GET  /schemas/ids/{id}/subjects               [subject]
 * GET  /subjects                                [subject]
 * POST /subjects/{subject}                      look a schema up: {"subject","version","id","schema"}
 * GET  /subjects/{subject}/versions             [version]
 * POST /subjects/{subject}/versions             register: {"id":..}
 * GET  /subjects/{subject}/versions/{v|latest}  {"subject","version","id","schema"}
 * GET  /subjects/{subject}/versions/{v}/schema  the schema itself
 * POST /compatibility/subjects/{subject}/versions/{v|latest}   {"is_compatible":..}
 * GET  /config                                  {"compatibilityLevel":"BACKWARD"}
 * PUT  /config                                  {"compatibility":"FULL"} sets the global level
 * GET  /config/{subject}[?defaultToGlobal=true]  the subject's own level (40408 if none)
 * PUT  /config/{subject}                        sets the subject's level
 * </pre>
 *
 * Errors answer with Confluent's body {@code {"error_code":..,"message":..}}; nothing answers
 * with a stack trace.
 */
final class RegistryRoutes implements HttpHandler {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final Logger LOG = LoggerFactory.getLogger(RegistryRoutes.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Schemas are kilobytes; anything far larger is a mistake or an attack. */
    private static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

    private final SchemaCatalog catalog;
    private final SchemaRegistrar registrar;

    RegistryRoutes(SchemaCatalog catalog, SchemaRegistrar registrar) {
        this.catalog = catalog;
        this.registrar = registrar;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status = 200;
            JsonNode body;
            try {
                body = route(exchange.getRequestMethod(), segments(exchange.getRequestURI().getRawPath()), exchange);
            } catch (RegistryException e) {
                status = e.httpStatus();
                body = error(e.errorCode(), e.getMessage());
                if (e.errorCode() >= 50000) {
                    LOG.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.getMessage(),
                            e);
                }
            } catch (RuntimeException e) {
                LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                status = 500;
                body = error(500, "Internal server error: " + e.getClass().getSimpleName());
            }
            send(exchange, status, body);
        }
    }

    private JsonNode route(String method, List<String> path, HttpExchange exchange) throws IOException {
        int size = path.size();
        String first = size > 0 ? path.get(0) : "";
        if (size == 0) {
            requireMethod(method, "GET");
            return JSON.createObjectNode();
        }
        if (first.equals("subjects")) {
            if (size == 1) {
                requireMethod(method, "GET");
                return JSON.valueToTree(catalog.subjects());
            }
            String subject = path.get(1);
            if (size == 2) {
                requireMethod(method, "POST");
                SchemaRequest request = SchemaRequest.read(readBody(exchange));
                return describe(registrar.lookup(subject, request.schema(), request.schemaType()));
            }
            if (path.get(2).equals("versions")) {
                if (size == 3 && method.equals("POST")) {
                    SchemaRequest request = SchemaRequest.read(readBody(exchange));
                    ObjectNode answer = JSON.createObjectNode();
                    answer.put("id", registrar.register(subject, request.schema(), request.schemaType()));
                    return answer;
                }
                if (size == 3) {
                    requireMethod(method, "GET");
                    return JSON.valueToTree(catalog.versions(subject));
                }
                SchemaVersion version = version(subject, path.get(3));
                if (size == 4) {
                    requireMethod(method, "GET");
                    return describe(version);
                }
                if (size == 5 && path.get(4).equals("schema")) {
                    requireMethod(method, "GET");
                    return parse(version.schema());
                }
            }
        }
        if (first.equals("schemas")) {
            if (size == 2 && path.get(1).equals("types")) {
                requireMethod(method, "GET");
                return JSON.createArrayNode().add(SchemaVersion.AVRO);
            }
            if (size >= 3 && size <= 4 && path.get(1).equals("ids")) {
                requireMethod(method, "GET");
                int id = schemaId(path.get(2));
                String schema = registrar.schema(id);
                if (size == 3) {
                    ObjectNode answer = JSON.createObjectNode();
                    answer.put("schema", schema);
                    return answer;
                }
                if (path.get(3).equals("versions")) {
                    ArrayNode answer = JSON.createArrayNode();
                    for (SchemaVersion use : catalog.usesOf(id)) {
                        answer.addObject().put("subject", use.subject()).put("version", use.version());
                    }
                    return answer;
                }
                if (path.get(3).equals("subjects")) {
                    ArrayNode answer = JSON.createArrayNode();
                    catalog.usesOf(id).stream().map(SchemaVersion::subject).distinct().forEach(answer::add);
                    return answer;
                }
            }
        }
        if (first.equals("compatibility") && size == 5 && path.get(1).equals("subjects")
                && path.get(3).equals("versions")) {
            requireMethod(method, "POST");
            SchemaVersion against = version(path.get(2), path.get(4));
            SchemaRequest request = SchemaRequest.read(readBody(exchange));
            ObjectNode answer = JSON.createObjectNode();
            answer.put("is_compatible", registrar.isCompatible(request.schema(), request.schemaType(), against));
            return answer;
        }
        if (first.equals("config") && size <= 2) {
            String subject = size == 2 ? path.get(1) : null;
            if (method.equals("PUT")) {
                CompatibilityLevel level = ConfigRequest.read(readBody(exchange));
                registrar.configure(subject, level);
                ObjectNode answer = JSON.createObjectNode();
                answer.put("compatibility", level.name());
                return answer;
            }
            requireMethod(method, "GET");
            CompatibilityLevel level;
            if (subject == null) {
                level = catalog.globalLevel();
            } else if (query(exchange).contains("defaultToGlobal=true")) {
                level = catalog.effectiveLevel(subject);
            } else {
                level = catalog.subjectLevel(subject).orElseThrow(() -> new RegistryException(
                        RegistryException.SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED,
                        "Subject '" + subject + "' does not have subject-level compatibility configured"));
            }
            ObjectNode answer = JSON.createObjectNode();
            answer.put("compatibilityLevel", level.name());
            return answer;
        }
        throw new RegistryException(404, "HTTP 404 Not Found");
    }

    private static String query(HttpExchange exchange) {
        String query = exchange.getRequestURI().getRawQuery();
        return query == null ? "" : query;
    }

    private SchemaVersion version(String subject, String version) {
        if (version.equals("latest") || version.equals("-1")) {
            return catalog.latest(subject);
        }
        int number;
        try {
            number = Integer.parseInt(version);
        } catch (NumberFormatException e) {
            throw RegistryException.invalidVersion(version);
        }
        if (number < 1) {
            throw RegistryException.invalidVersion(version);
        }
        return catalog.version(subject, number);
    }

    private static int schemaId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw RegistryException.schemaNotFound("Schema " + text);
        }
    }

    private static ObjectNode describe(SchemaVersion version) {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("subject", version.subject());
        answer.put("version", version.version());
        answer.put("id", version.id());
        answer.put("schema", version.schema());
        return answer;
    }

    private static JsonNode parse(String schema) {
        try {
            return JSON.readTree(schema);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A stored schema is not JSON", e);
        }
    }

    private static void requireMethod(String method, String... allowed) {
        for (String candidate : allowed) {
            if (candidate.equals(method)) {
                return;
            }
        }
        throw new RegistryException(405, "HTTP 405 Method Not Allowed");
    }

    /**
     * The decoded path segments. Each segment is decoded on its own so that a subject holding
     * an encoded slash ({@code a%2Fb}) stays one segment; '+' is literal in a path.
     */
    static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String raw : rawPath.split("/")) {
            if (raw.isEmpty()) {
                continue;
            }
            try {
                segments.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new RegistryException(400, "Malformed percent-encoding in path segment " + raw);
            }
        }
        return segments;
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw new RegistryException(413, "Request body larger than " + MAX_BODY_BYTES + " bytes");
            }
            return body;
        }
    }

    private static ObjectNode error(int code, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("error_code", code);
        body.put("message", message);
        return body;
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The body of a config update: {@code {"compatibility": "FULL"}}. */
    static final class ConfigRequest {

        private ConfigRequest() {
        }

        static CompatibilityLevel read(byte[] body) {
            JsonNode json = json(body);
            JsonNode level = json == null || !json.isObject() ? null : json.get("compatibility");
            if (level == null || !level.isTextual()) {
                throw new RegistryException(422, "Request body must be a JSON object with a \"compatibility\" string");
            }
            return CompatibilityLevel.parse(level.asText());
        }
    }

    private static JsonNode json(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            String detail = e instanceof JsonProcessingException processing
                    ? processing.getOriginalMessage()
                    : e.getMessage();
            throw new RegistryException(400, "Request body is not JSON: " + detail);
        }
    }

    /** The body of a register, lookup or compatibility request. */
    record SchemaRequest(String schema, String schemaType) {

        static SchemaRequest read(byte[] body) {
            JsonNode json = json(body);
            if (json == null || !json.isObject()) {
                throw new RegistryException(422, "Request body must be a JSON object with a \"schema\" string");
            }
            JsonNode schema = json.get("schema");
            if (schema == null || !schema.isTextual()) {
                throw new RegistryException(422, "Request body must be a JSON object with a \"schema\" string");
            }
            JsonNode references = json.get("references");
            if (references != null && references.isArray() && !references.isEmpty()) {
                throw RegistryException.invalidSchema("schema references are not supported by this registry");
            }
            JsonNode type = json.get("schemaType");
            return new SchemaRequest(schema.asText(), type == null || type.isNull() ? null : type.asText());
        }
    }
}
