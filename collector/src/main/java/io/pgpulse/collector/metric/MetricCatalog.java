package io.pgpulse.collector.metric;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgpulse.avro.PgSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;

/**
 * The metric groups the collector runs, loaded strictly from {@code metrics.yaml}:
 * unknown keys fail, every group must name a section of {@link PgSnapshot} and
 * declare exactly that section's fields as its columns, and every problem is
 * reported at once.
 */
public final class MetricCatalog {

    public static final String DEFAULT_RESOURCE = "/io/pgpulse/collector/metric/metrics.yaml";

    private final List<MetricGroup> groups;

    private MetricCatalog(List<MetricGroup> groups) {
        this.groups = List.copyOf(groups);
    }

    public List<MetricGroup> groups() {
        return groups;
    }

    /** The catalog shipped with pgpulse. */
    public static MetricCatalog defaults() {
        try (InputStream in = MetricCatalog.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEFAULT_RESOURCE);
            }
            return load(in, DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads and checks a catalog; throws {@link IllegalArgumentException} listing every problem. */
    public static MetricCatalog load(InputStream yaml, String origin) throws IOException {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        File file;
        try {
            file = mapper.readValue(yaml, File.class);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(origin + ":" + e.getLocation().getLineNr() + ": " + e.getOriginalMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        List<MetricGroup> groups = new ArrayList<>();
        if (file.groups == null || file.groups.isEmpty()) {
            problems.add(origin + ": no groups");
        } else {
            for (GroupEntry entry : file.groups) {
                MetricGroup group = entry.toGroup(origin, problems);
                if (group != null) {
                    groups.add(group);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        return new MetricCatalog(groups);
    }

    /** The Avro record schema a group's rows become. */
    public static Schema sectionRecordSchema(String section) {
        Schema.Field field = PgSnapshot.getClassSchema().getField(section);
        if (field == null) {
            return null;
        }
        Schema schema = nonNull(field.schema());
        return schema.getType() == Schema.Type.ARRAY ? nonNull(schema.getElementType()) : schema;
    }

    static Schema nonNull(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        return schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow();
    }

    private static final class File {
        @JsonProperty(required = true)
        public List<GroupEntry> groups;
    }

    private static final class GroupEntry {
        @JsonProperty(required = true)
        public String name;
        @JsonProperty(required = true)
        public String section;
        @JsonProperty(required = true)
        public String description;
        @JsonProperty(required = true)
        public String shape;
        @JsonProperty(required = true)
        public LinkedHashMap<String, String> columns;
        @JsonProperty(required = true)
        public Map<Integer, String> sqls;

        MetricGroup toGroup(String origin, List<String> problems) {
            String where = origin + ": group \"" + name + "\": ";
            int before = problems.size();
            MetricGroup.Shape parsedShape = null;
            try {
                parsedShape = MetricGroup.Shape.valueOf(shape.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(where + "shape: expected one_row or rows, found " + shape);
            }
            Map<String, ColumnKind> kinds = new LinkedHashMap<>();
            columns.forEach((column, kind) -> {
                try {
                    kinds.put(column, ColumnKind.valueOf(kind.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    problems.add(where + "column " + column + ": expected label, counter, gauge or time, found " + kind);
                }
            });
            Schema record = sectionRecordSchema(section);
            if (record == null) {
                problems.add(where + "section: expected a field of PgSnapshot, found " + section);
            } else {
                for (Schema.Field field : record.getFields()) {
                    if (!columns.containsKey(field.name()) && !field.hasDefaultValue()) {
                        problems.add(where + "columns: " + section + "." + field.name() + " is required by the schema but not declared");
                    }
                }
                for (String column : columns.keySet()) {
                    if (record.getField(column) == null) {
                        problems.add(where + "columns: " + column + " is not a field of " + record.getName());
                    }
                }
            }
            if (sqls.isEmpty()) {
                problems.add(where + "sqls: expected at least one query");
            }
            sqls.forEach((major, sql) -> {
                if (major < 13) {
                    problems.add(where + "sqls: version keys start at 13 (oldest supported major), found " + major);
                }
                if (!sql.stripLeading().startsWith("/* pgpulse */")) {
                    problems.add(where + "sqls." + major + ": query must start with /* pgpulse */");
                }
            });
            if (problems.size() > before) {
                return null;
            }
            return new MetricGroup(name, section, description, parsedShape, kinds, new TreeMap<>(sqls));
        }
    }
}
