package io.pgpulse.sink.routing;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Mutes alerts while a more telling one fires, as Alertmanager's {@code inhibit_rules}:
 * an alert matching {@code targetMatchers} is not notified while another firing alert
 * matches {@code sourceMatchers} and has the same values for every label in
 * {@code equal}. The shipped example: {@code database_down} mutes that database's other
 * alerts ({@code equal: [source]}).
 */
public record InhibitRule(List<Matcher> sourceMatchers, List<Matcher> targetMatchers, List<String> equal) {

    public InhibitRule {
        sourceMatchers = List.copyOf(sourceMatchers);
        targetMatchers = List.copyOf(targetMatchers);
        equal = List.copyOf(equal);
    }

    /**
     * @param target the labels of the alert that would be notified
     * @param firing labels of every alert firing now, keyed by fingerprint
     * @param targetFingerprint so that an alert never mutes itself
     */
    public boolean mutes(Map<String, String> target, String targetFingerprint, Map<String, Map<String, String>> firing) {
        if (!targetMatchers.stream().allMatch(m -> m.matches(target))) {
            return false;
        }
        for (Map.Entry<String, Map<String, String>> candidate : firing.entrySet()) {
            Map<String, String> source = candidate.getValue();
            if (!candidate.getKey().equals(targetFingerprint)
                    && sourceMatchers.stream().allMatch(m -> m.matches(source))
                    && equal.stream().allMatch(l -> Objects.equals(source.getOrDefault(l, ""), target.getOrDefault(l, "")))) {
                return true;
            }
        }
        return false;
    }

    static boolean anyMutes(Collection<InhibitRule> rules, Map<String, String> target, String fingerprint,
                            Map<String, Map<String, String>> firing) {
        return rules.stream().anyMatch(r -> r.mutes(target, fingerprint, firing));
    }
}
