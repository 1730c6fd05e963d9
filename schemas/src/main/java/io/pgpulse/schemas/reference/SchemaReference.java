package io.pgpulse.schemas.reference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpulse.schemas.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParser;

/**
 * Writes the human-readable reference of pgpulse's Avro schemas (markdown): which topic
 * carries which record, then every named type with its doc, and for records every field with
 * its type, default and doc. It reads only the {@code .avsc} files, so the reference says what
 * the contract says and nothing else; {@code SchemaReferenceTest} fails when the checked-in
 * copy ({@value #CHECKED_IN}) no longer matches them.
 *
 * <p>Top-level schemas come in topic order, then the shared types; the types a record
 * declares inline follow it, in the order they first appear. The output depends only on the
 * files' content, never on the clock or the machine.
 */
public final class SchemaReference {

    /** Where the reference is checked in, relative to the repository root. */
    public static final String CHECKED_IN = "schemas/SCHEMAS.md";
    /** Where the schemas are, relative to the repository root. */
    public static final String SOURCES = "schemas/src/main/avro";
    /** The one command that rewrites {@value #CHECKED_IN}, run from the repository root. */
    public static final String REGENERATE = "mvn -B -q -pl schemas -am test -Dtest=SchemaReferenceTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Dschemas.reference.write=true";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Topics TOPICS = Topics.defaults();

    /** The topics whose values are Avro records of the contract, with what their keys hold. */
    private static final List<TopicValue> TOPIC_VALUES = List.of(
            new TopicValue(TOPICS.snapshots(), "source id (`<cluster>/<database>`)", "PgSnapshot"),
            new TopicValue(TOPICS.metrics(), "source id", "DerivedMetrics"),
            new TopicValue(TOPICS.alerts(), "alert fingerprint", "Alert"),
            new TopicValue(TOPICS.commands(), "source id", "MaintenanceCommand"),
            new TopicValue(TOPICS.commandResults(), "command id", "CommandResult"));

    private final List<Schema> topLevel;

    private SchemaReference(List<Schema> topLevel) {
        this.topLevel = topLevel;
    }

    /** Reads every {@code .avsc} file in {@code directory}; they may refer to each other's types by name. */
    public static SchemaReference read(Path directory) throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(file -> file.getFileName().toString().endsWith(".avsc")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException("no .avsc file in " + directory);
        }
        SchemaParser parser = new SchemaParser();
        List<String> mainNames = new ArrayList<>();
        for (Path file : files) {
            parser.parse(file);
            mainNames.add(declaredName(file));
        }
        // Resolved only now, once every file is read, so that files may come in any order.
        Map<String, Schema> named = parser.getParsedNamedSchemas().stream()
                .collect(Collectors.toMap(Schema::getFullName, schema -> schema, (a, b) -> a, LinkedHashMap::new));
        List<Schema> ordered = new ArrayList<>();
        for (TopicValue topic : TOPIC_VALUES) {
            mainNames.stream().map(named::get).filter(s -> s.getName().equals(topic.valueName()))
                    .findFirst().ifPresent(ordered::add);
        }
        for (String name : mainNames) {
            if (!ordered.contains(named.get(name))) {
                ordered.add(named.get(name));
            }
        }
        return new SchemaReference(ordered);
    }

    /**
     * The full name of the type a file declares at its top. Read from the JSON, because the
     * parser resolves a file's main schema eagerly, before the files after it are read.
     */
    private static String declaredName(Path file) throws IOException {
        JsonNode json = JSON.readTree(file.toFile());
        String name = json.path("name").asText("");
        if (name.isEmpty()) {
            throw new IOException(file + ": expected a named type (record, enum or fixed) at the top");
        }
        String namespace = json.path("namespace").asText("");
        return name.contains(".") || namespace.isEmpty() ? name : namespace + "." + name;
    }

    /** The reference as markdown. */
    public String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("# pgpulse schemas\n\n");
        out.append("<!-- Generated by ").append(SchemaReference.class.getName()).append(" from ").append(SOURCES)
                .append(". Do not edit: change the .avsc files, then run\n     ").append(REGENERATE)
                .append(" -->\n\n");
        out.append("The Avro schemas of pgpulse's topics: the contract its consumers can rely on. Everything on this"
                + " page comes from the `.avsc` files in [`src/main/avro`](src/main/avro).\n\n");
        out.append("Records are written in Confluent's wire format (byte `0`, the schema id as four big-endian"
                + " bytes, then the Avro binary encoding) and registered under `<topic>-value` (Confluent's"
                + " TopicNameStrategy), so Confluent's deserializers and any compatible registry read them. Keys"
                + " are plain UTF-8 strings. Schemas evolve BACKWARD-compatibly: a new field comes with a"
                + " default, so that readers of older versions keep working.\n\n");
        out.append("## Topics\n\n");
        out.append("| topic | key | value |\n| --- | --- | --- |\n");
        for (TopicValue topic : TOPIC_VALUES) {
            if (topLevel.stream().noneMatch(schema -> schema.getName().equals(topic.valueName()))) {
                continue; // not among the files read (a test's own files)
            }
            out.append("| `").append(topic.topic()).append("` | ").append(cell(topic.key())).append(" | ")
                    .append(link(topic.valueName())).append(" |\n");
        }
        out.append("\nThe topic prefix (`").append(Topics.DEFAULT_PREFIX).append("`) is configurable.\n\n");
        out.append("## Reading the tables\n\n");
        out.append("- **type**: `null or T` is the union `[\"null\", T]`; an optional section is null when it was"
                + " not collected.\n");
        out.append("- **default**: what a reader fills in when the writer's schema lacks the field; *required* means"
                + " there is none, so every writer sets it.\n");
        out.append("- `timestamp-millis` is a `long` of milliseconds since 1970-01-01 UTC.\n\n");

        Map<String, Schema> inline = new LinkedHashMap<>();
        for (Schema schema : topLevel) {
            inline.put(schema.getFullName(), schema);
        }
        for (Schema schema : topLevel) {
            out.append("## ").append(schema.getName()).append("\n\n");
            describe(schema, null, out);
            List<Schema> nested = new ArrayList<>();
            collectNested(schema, inline, nested);
            for (Schema type : nested) {
                out.append("### ").append(type.getName()).append("\n\n");
                describe(type, schema, out);
            }
        }
        return out.toString();
    }

    /**
     * Writes the reference of the schemas in {@code args[0]} (default {@value #SOURCES}) to
     * {@code args[1]} (default {@value #CHECKED_IN}); paths are relative to the working directory.
     */
    public static void main(String[] args) throws IOException {
        Path sources = Path.of(args.length > 0 ? args[0] : SOURCES);
        Path target = Path.of(args.length > 1 ? args[1] : CHECKED_IN);
        Files.writeString(target, read(sources).markdown(), StandardCharsets.UTF_8);
        System.out.println("wrote " + target);
    }

    /** The section body of a named type; {@code declaredIn} is the top-level record that declares it inline, if any. */
    private static void describe(Schema schema, Schema declaredIn, StringBuilder out) {
        out.append("`").append(schema.getFullName()).append("`, ").append(kind(schema));
        if (declaredIn != null) {
            out.append(", declared in ").append(link(declaredIn.getName()));
        }
        out.append("\n\n");
        if (schema.getDoc() != null) {
            out.append(text(schema.getDoc())).append("\n\n");
        }
        switch (schema.getType()) {
            case RECORD -> {
                out.append("| field | type | default | doc |\n| --- | --- | --- | --- |\n");
                for (Schema.Field field : schema.getFields()) {
                    out.append("| `").append(field.name()).append("` | ").append(type(field.schema())).append(" | ")
                            .append(defaultOf(field)).append(" | ").append(cell(fieldDoc(field))).append(" |\n");
                }
                out.append('\n');
            }
            case ENUM -> {
                out.append("Symbols: ").append(schema.getEnumSymbols().stream().map(s -> "`" + s + "`")
                        .collect(Collectors.joining(", "))).append(".");
                if (schema.getEnumDefault() != null) {
                    out.append(" A reader that meets a symbol it does not know reads `")
                            .append(schema.getEnumDefault()).append("`.");
                }
                out.append("\n\n");
            }
            case FIXED -> out.append("Size: ").append(schema.getFixedSize()).append(" bytes.\n\n");
            default -> throw new IllegalArgumentException("not a named type: " + schema);
        }
    }

    private static String kind(Schema schema) {
        return switch (schema.getType()) {
            case RECORD -> "record";
            case ENUM -> "enum";
            case FIXED -> "fixed";
            default -> schema.getType().getName();
        };
    }

    private static String fieldDoc(Schema.Field field) {
        String doc = field.doc() == null ? "" : field.doc();
        if (!field.aliases().isEmpty()) {
            doc += (doc.isEmpty() ? "" : " ") + "Also read as: " + String.join(", ", field.aliases()) + ".";
        }
        return doc;
    }

    /** The named types reachable from {@code schema} that no other file declares, depth first, each once. */
    private static void collectNested(Schema schema, Map<String, Schema> declared, List<Schema> nested) {
        switch (schema.getType()) {
            case RECORD -> {
                for (Schema.Field field : schema.getFields()) {
                    visit(field.schema(), declared, nested);
                }
            }
            case ARRAY -> visit(schema.getElementType(), declared, nested);
            case MAP -> visit(schema.getValueType(), declared, nested);
            case UNION -> schema.getTypes().forEach(branch -> visit(branch, declared, nested));
            default -> {
                // primitives, enums and fixed hold no other type
            }
        }
    }

    private static void visit(Schema schema, Map<String, Schema> declared, List<Schema> nested) {
        boolean named = schema.getType() == Schema.Type.RECORD || schema.getType() == Schema.Type.ENUM
                || schema.getType() == Schema.Type.FIXED;
        if (named) {
            if (declared.containsKey(schema.getFullName())) {
                return;
            }
            declared.put(schema.getFullName(), schema);
            nested.add(schema);
        }
        collectNested(schema, declared, nested);
    }

    private static String type(Schema schema) {
        if (schema.getLogicalType() != null) {
            return "`" + schema.getLogicalType().getName() + "` (" + schema.getType().getName() + ")";
        }
        return switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> link(schema.getName());
            case ARRAY -> "array of " + type(schema.getElementType());
            case MAP -> "map of string to " + type(schema.getValueType());
            case UNION -> {
                List<Schema> branches = schema.getTypes();
                boolean nullable = branches.stream().anyMatch(b -> b.getType() == Schema.Type.NULL);
                String others = branches.stream().filter(b -> b.getType() != Schema.Type.NULL)
                        .map(SchemaReference::type).collect(Collectors.joining(" or "));
                yield nullable ? "null or " + others : others;
            }
            default -> "`" + schema.getType().getName() + "`";
        };
    }

    private static String defaultOf(Schema.Field field) {
        if (!field.hasDefaultValue()) {
            return "*required*";
        }
        Object value = field.defaultVal();
        if (value == JsonProperties.NULL_VALUE) {
            return "`null`";
        }
        try {
            return "`" + JSON.writeValueAsString(value).replace("|", "\\|") + "`";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("default of " + field.name() + " cannot be written as JSON", e);
        }
    }

    private static String link(String name) {
        return "[" + name + "](#" + name.toLowerCase(Locale.ROOT) + ")";
    }

    /**
     * Prose from a doc attribute: one paragraph, with '<' escaped outside code spans so that
     * "<cluster>" is not read as an HTML tag (inside backticks markdown shows it as it is).
     */
    private static String text(String doc) {
        String[] parts = doc.replaceAll("\\s+", " ").trim().split("`", -1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            out.append(i > 0 ? "`" : "").append(i % 2 == 0 ? parts[i].replace("<", "\\<") : parts[i]);
        }
        return out.toString();
    }

    /** Text for a table cell: as {@link #text}, with '|' escaped so that it does not end the cell. */
    private static String cell(String text) {
        return text(text).replace("|", "\\|");
    }

    /** A topic whose values are records of the contract. */
    private record TopicValue(String topic, String key, String valueName) {
    }
}
