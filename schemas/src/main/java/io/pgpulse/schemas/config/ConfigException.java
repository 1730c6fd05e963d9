package io.pgpulse.schemas.config;

import java.util.List;

/** A configuration that cannot be used, with every problem found in it. */
public final class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(String what, List<String> problems) {
        super(what + " refused (" + problems.size() + (problems.size() == 1 ? " problem" : " problems") + "):\n  "
                + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
