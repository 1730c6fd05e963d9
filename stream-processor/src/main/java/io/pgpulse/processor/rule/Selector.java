package io.pgpulse.processor.rule;

import io.pgpulse.avro.ObjectRef;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which sources and objects a rule is for: a regular expression the whole source id must
 * match, tags the source must carry with exactly these values, and a regular expression the
 * object's {@code schema.name} must match. Each part is optional; no selector means everything.
 */
public record Selector(Pattern source, Map<String, String> tags, Pattern object) {

    public static final Selector ALL = new Selector(null, Map.of(), null);

    public boolean matchesSource(String sourceId, Map<String, String> sourceTags) {
        if (source != null && !source.matcher(sourceId).matches()) {
            return false;
        }
        return matchesTags(tags, sourceTags);
    }

    public boolean hasObjectPattern() {
        return object != null;
    }

    public boolean matchesObject(ObjectRef ref) {
        if (object == null || ref == null) {
            return true;
        }
        String name = ref.getSchemaName() == null ? ref.getName() : ref.getSchemaName() + "." + ref.getName();
        return object.matcher(name).matches();
    }

    static boolean matchesTags(Map<String, String> wanted, Map<String, String> actual) {
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            if (!e.getValue().equals(actual.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
