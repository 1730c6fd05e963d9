package io.pgpulse.collector.metric;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.collector.metric.MetricQuery.MetricColumn;
import io.pgpulse.collector.metric.MetricQuery.Shape;
import io.pgpulse.collector.metric.MetricQuery.Term;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * The metric groups the collector runs, loaded strictly from {@code metrics.yaml}:
 * unknown keys fail, every group must name a section of {@link PgSnapshot} and declare
 * that section's fields as its columns (each with its kind), every SQL text must start
 * with {@value #MARKER}, and every problem is reported at once.
 */
public final class MetricCatalog {

    public static final String DEFAULT_RESOURCE = "/io/pgpulse/collector/metric/metrics.yaml";
    /** Every SQL query starts with this, so a DBA can tell pgpulse's queries apart in pg_stat_activity. */
    public static final String MARKER = "/* pgpulse */";
    /** The oldest PostgreSQL major pgpulse supports; the lowest allowed version key. */
    public static final int OLDEST_MAJOR = 13;

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern TERM = Pattern.compile("([a-z_][a-z0-9_]*)\\s*(?:([*/])\\s*([0-9]+(?:\\.[0-9]+)?))?");

    private final List<MetricGroup> groups;

    private MetricCatalog(List<MetricGroup> groups) {
        this.groups = List.copyOf(groups);
    }

    public List<MetricGroup> groups() {
        return groups;
    }

    /** The group called {@code name}; throws when there is none. */
    public MetricGroup group(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no metric group " + name));
    }

    /** A copy with only the named groups (for tools that look at some groups alone); unknown names are refused. */
    public MetricCatalog only(Set<String> names) {
        Set<String> unknown = new HashSet<>(names);
        groups.forEach(g -> unknown.remove(g.name()));
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no metric group named " + String.join(", ", new java.util.TreeSet<>(unknown)));
        }
        return new MetricCatalog(groups.stream().filter(g -> names.contains(g.name())).toList());
    }

    /** A copy in which the named groups run on other intervals; unknown names are refused. */
    public MetricCatalog withIntervals(Map<String, Duration> intervals) {
        Set<String> unknown = new HashSet<>(intervals.keySet());
        List<MetricGroup> changed = new ArrayList<>();
        for (MetricGroup g : groups) {
            unknown.remove(g.name());
            Duration interval = intervals.getOrDefault(g.name(), g.interval());
            changed.add(new MetricGroup(g.name(), g.section(), g.description(), interval, g.console(),
                    g.requiresExtension(), g.queries()));
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no metric group named " + String.join(", ", new java.util.TreeSet<>(unknown))
                    + "; groups are " + String.join(", ", groups.stream().map(MetricGroup::name).toList()));
        }
        return new MetricCatalog(changed);
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
            Set<String> names = new HashSet<>();
            Set<String> sections = new HashSet<>();
            for (GroupEntry entry : file.groups) {
                if (!names.add(entry.name)) {
                    problems.add(origin + ": group \"" + entry.name + "\": name used twice");
                }
                if (!sections.add(entry.section)) {
                    problems.add(origin + ": group \"" + entry.name + "\": section " + entry.section + " is filled by another group too");
                }
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

    /** The Avro schema of a snapshot field without its null branch, or null when there is no such field. */
    public static Schema sectionSchema(String section) {
        Schema.Field field = PgSnapshot.getClassSchema().getField(section);
        return field == null ? null : nonNull(field.schema());
    }

    /** The Avro record schema a group's rows become (the element type for a list section). */
    public static Schema sectionRecordSchema(String section) {
        Schema schema = sectionSchema(section);
        if (schema == null) {
            return null;
        }
        return schema.getType() == Schema.Type.ARRAY ? nonNull(schema.getElementType()) : schema;
    }

    static Schema nonNull(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        return schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow();
    }

    /** The shape a value of {@code schema} needs: a record is one row, a list of records rows, a map a map. */
    static Shape shapeOf(Schema schema) {
        return switch (schema.getType()) {
            case RECORD -> Shape.ONE_ROW;
            case ARRAY -> nonNull(schema.getElementType()).getType() == Schema.Type.RECORD ? Shape.ROWS : null;
            case MAP -> Shape.MAP;
            default -> null;
        };
    }

    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    private static final class File {
        @JsonProperty(required = true)
        public List<GroupEntry> groups;
    }

    /** The keys a query has, at the group's top level (the section query) or in a part. */
    private static class QueryEntry {
        public String shape;
        public LinkedHashMap<String, Object> columns;
        public Map<Integer, String> sqls;

        MetricQuery toQuery(String where, String field, Schema target, boolean console, Set<String> filledByParts,
                            List<String> problems) {
            return toQuery(where, field, target, console, filledByParts, problems, false, null);
        }

        MetricQuery toQuery(String where, String field, Schema target, boolean console, Set<String> filledByParts,
                            List<String> problems, boolean merge, Duration interval) {
            int before = problems.size();
            Shape parsedShape = null;
            try {
                parsedShape = Shape.valueOf(String.valueOf(shape).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(where + "shape: expected one_row, rows or map, found " + shape);
            }
            Shape needed = target == null ? null : shapeOf(target);
            if (parsedShape != null && needed != null && parsedShape != needed) {
                problems.add(where + "shape: " + (field == null ? "section" : "field " + field) + " is a "
                        + target.getType().getName() + ", so the shape must be " + needed.name().toLowerCase(Locale.ROOT)
                        + ", found " + shape);
            }
            Map<String, MetricColumn> parsed = new LinkedHashMap<>();
            if (columns == null || columns.isEmpty()) {
                problems.add(where + "columns: expected at least one column");
            } else {
                columns.forEach((column, spec) -> {
                    MetricColumn c = column(where, column, spec, problems);
                    if (c != null) {
                        parsed.put(column, c);
                    }
                });
            }
            if (target != null && needed == Shape.MAP) {
                if (parsed.size() != 2) {
                    problems.add(where + "columns: a map takes exactly two columns (key, value), found " + parsed.size());
                } else if (parsed.values().iterator().next().kind() != ColumnKind.LABEL) {
                    problems.add(where + "columns: a map's first column is its key and must be a label");
                }
            } else if (target != null) {
                Schema record = target.getType() == Schema.Type.ARRAY ? nonNull(target.getElementType()) : target;
                for (Schema.Field f : record.getFields()) {
                    if (!merge && !parsed.containsKey(f.name()) && !f.hasDefaultValue() && !filledByParts.contains(f.name())) {
                        problems.add(where + "columns: " + record.getName() + "." + f.name()
                                + " is required by the schema but not declared");
                    }
                }
                for (String column : parsed.keySet()) {
                    if (record.getField(column) == null) {
                        problems.add(where + "columns: " + column + " is not a field of " + record.getName());
                    }
                }
            }
            if (sqls == null || sqls.isEmpty()) {
                problems.add(where + "sqls: expected at least one query");
            } else {
                sqls.forEach((major, sql) -> {
                    if (!console && major < OLDEST_MAJOR) {
                        problems.add(where + "sqls: version keys start at " + OLDEST_MAJOR
                                + " (oldest supported major), found " + major);
                    }
                    if (sql == null || sql.isBlank()) {
                        problems.add(where + "sqls." + major + ": empty query");
                    } else if (!console && !sql.stripLeading().startsWith(MARKER)) {
                        problems.add(where + "sqls." + major + ": query must start with " + MARKER);
                    }
                });
            }
            if (problems.size() > before) {
                return null;
            }
            TreeMap<Integer, String> texts = new TreeMap<>();
            sqls.forEach((major, sql) -> texts.put(major, sql.strip()));
            return new MetricQuery(field, parsedShape, parsed, texts, merge, interval);
        }

        private static MetricColumn column(String where, String column, Object spec, List<String> problems) {
            String kind;
            List<Term> from = List.of();
            if (spec instanceof String s) {
                kind = s;
            } else if (spec instanceof Map<?, ?> m) {
                Set<Object> keys = new HashSet<>(m.keySet());
                keys.removeAll(Set.of("kind", "from"));
                if (!keys.isEmpty()) {
                    problems.add(where + "column " + column + ": unknown key " + keys + "; expected kind, from");
                }
                kind = String.valueOf(m.get("kind"));
                Object expression = m.get("from");
                if (expression != null) {
                    from = terms(where, column, String.valueOf(expression), problems);
                }
            } else {
                problems.add(where + "column " + column + ": expected a kind or {kind, from}, found " + spec);
                return null;
            }
            try {
                return new MetricColumn(column, ColumnKind.valueOf(kind.toUpperCase(Locale.ROOT)), from);
            } catch (IllegalArgumentException e) {
                problems.add(where + "column " + column + ": expected label, counter, gauge or time, found " + kind);
                return null;
            }
        }

        /** {@code a + b / 1000000}: a sum of result columns, each optionally multiplied or divided by a number. */
        private static List<Term> terms(String where, String column, String expression, List<String> problems) {
            List<Term> terms = new ArrayList<>();
            for (String part : expression.split("\\+")) {
                Matcher m = TERM.matcher(part.trim());
                if (!m.matches()) {
                    problems.add(where + "column " + column + ": from: expected column [* or / number] + ..., found "
                            + expression);
                    return List.of();
                }
                double factor = 1;
                if (m.group(2) != null) {
                    double n = Double.parseDouble(m.group(3));
                    factor = m.group(2).equals("*") ? n : 1 / n;
                }
                terms.add(new Term(m.group(1), factor));
            }
            return terms;
        }
    }

    private static final class PartEntry extends QueryEntry {
        /** The field of the section record this part fills; absent: the part adds columns to the record itself. */
        public String field;
        /** A part's own interval; its values are kept between its runs. */
        public String interval;
    }

    private static final class GroupEntry extends QueryEntry {
        @JsonProperty(required = true)
        public String name;
        @JsonProperty(required = true)
        public String section;
        @JsonProperty(required = true)
        public String description;
        @JsonProperty(required = true)
        public String interval;
        public String console;
        public String requires_extension;
        public List<PartEntry> parts;

        MetricGroup toGroup(String origin, List<String> problems) {
            String where = origin + ": group \"" + name + "\": ";
            int before = problems.size();
            Duration every = parseDuration(interval);
            if (every == null) {
                problems.add(where + "interval: expected a duration such as 0s (every snapshot), 30s or 5m, found "
                        + interval);
            }
            MetricGroup.Console parsedConsole = MetricGroup.Console.POSTGRES;
            if (console != null) {
                try {
                    parsedConsole = MetricGroup.Console.valueOf(console.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    problems.add(where + "console: expected postgres or pgbouncer, found " + console);
                }
            }
            boolean isConsole = parsedConsole == MetricGroup.Console.PGBOUNCER;
            Schema target = sectionSchema(section);
            if (target == null) {
                problems.add(where + "section: expected a field of PgSnapshot, found " + section);
            } else if (shapeOf(target) == null) {
                problems.add(where + "section: " + section + " is not a record, a list of records or a map");
                target = null;
            }
            Set<String> partFields = new HashSet<>();
            if (parts != null) {
                for (PartEntry p : parts) {
                    if (p.field != null) {
                        partFields.add(p.field);
                    } else if (p.columns != null) {
                        partFields.addAll(p.columns.keySet());
                    }
                }
            }
            List<MetricQuery> queries = new ArrayList<>();
            boolean partsOnly = shape == null && columns == null && sqls == null && parts != null && !parts.isEmpty();
            if (partsOnly) {
                // The section record is made of its parts alone (e.g. PgBouncer's two SHOW commands).
                if (target != null && target.getType() == Schema.Type.RECORD) {
                    for (Schema.Field f : target.getFields()) {
                        if (!f.hasDefaultValue() && !partFields.contains(f.name())) {
                            problems.add(where + "parts: " + target.getName() + "." + f.name()
                                    + " is required by the schema but no query fills it");
                        }
                    }
                }
            } else {
                queries.add(toQuery(where, null, target, isConsole, partFields, problems));
            }
            if (parts != null) {
                Schema record = target == null ? null : target;
                if (record != null && record.getType() != Schema.Type.RECORD) {
                    problems.add(where + "parts: only a record section has parts, " + section + " is a "
                            + record.getType().getName());
                    record = null;
                }
                for (int n = 0; n < parts.size(); n++) {
                    PartEntry part = parts.get(n);
                    String partWhere = where + "parts." + (part.field == null ? "[" + n + "]" : part.field) + ": ";
                    Duration partInterval = null;
                    if (part.interval != null) {
                        partInterval = parseDuration(part.interval);
                        if (partInterval == null) {
                            problems.add(partWhere + "interval: expected a duration such as 5m, found " + part.interval);
                        }
                    }
                    if (part.field == null) {
                        // More columns of the section record itself, from a query of their own.
                        queries.add(part.toQuery(partWhere, null, record, isConsole, Set.of(), problems, true, partInterval));
                        continue;
                    }
                    Schema fieldSchema = null;
                    if (record != null) {
                        Schema.Field f = record.getField(part.field);
                        if (f == null) {
                            problems.add(partWhere + "field: not a field of " + record.getName());
                        } else {
                            fieldSchema = nonNull(f.schema());
                        }
                    }
                    queries.add(part.toQuery(partWhere, part.field, fieldSchema, isConsole, Set.of(), problems, false,
                            partInterval));
                }
            }
            if (problems.size() > before) {
                return null;
            }
            return new MetricGroup(name, section, description, every, parsedConsole, requires_extension, queries);
        }
    }
}
