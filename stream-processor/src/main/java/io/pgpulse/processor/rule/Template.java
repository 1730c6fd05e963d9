package io.pgpulse.processor.rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A label or annotation text with {@code {{name}}} placeholders, checked when the rule
 * file loads: {@code source}, {@code object}, {@code value}, {@code threshold},
 * {@code rule}, {@code severity}, {@code window} and {@code tags.<tag>} (empty when the
 * source has no such tag).
 */
public record Template(String text) {

    public static final Set<String> VARIABLES = Set.of("source", "object", "value", "threshold", "rule", "severity", "window");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_.]*)\\s*}}");

    /** Placeholders that are not known, for the loader to report. */
    public List<String> unknownPlaceholders() {
        List<String> unknown = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            String name = m.group(1);
            if (!VARIABLES.contains(name) && !(name.startsWith("tags.") && name.length() > 5)) {
                unknown.add(name);
            }
        }
        if (text.replaceAll(PLACEHOLDER.pattern(), "").contains("{{")) {
            unknown.add("an unclosed or malformed {{...}}");
        }
        return unknown;
    }

    public String render(Map<String, String> variables, Map<String, String> tags) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder(text.length() + 32);
        while (m.find()) {
            String name = m.group(1);
            String value = name.startsWith("tags.") ? tags.getOrDefault(name.substring(5), "") : variables.getOrDefault(name, "");
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
