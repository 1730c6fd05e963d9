package io.pgpulse.schemas.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Every problem found while loading one configuration file, so that all of them
 * are reported at once ({@code file:line: context: expected X, found Y}) instead of
 * one per restart.
 */
public final class ConfigProblems {

    private final List<String> problems = new ArrayList<>();

    public void add(String problem) {
        problems.add(problem);
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    public List<String> all() {
        return List.copyOf(problems);
    }

    /** Throws a {@link ConfigException} listing every problem, if there is any. */
    public void throwIfAny(String what) {
        if (!problems.isEmpty()) {
            throw new ConfigException(what, problems);
        }
    }
}
