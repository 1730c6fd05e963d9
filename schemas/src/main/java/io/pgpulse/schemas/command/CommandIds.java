package io.pgpulse.schemas.command;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A bounded, thread-safe set of command ids, forgetting the oldest first. Both ledgers of
 * commands (the sink's of those it issued, the agent's of those it took) hold ids read from a
 * topic at start and added as they go; the bound keeps a long-lived process from growing without
 * end, and is far above the commands any installation issues within their validity.
 */
public final class CommandIds {

    /** The default bound: ids of commands long expired fall out first. */
    public static final int MAX_IDS = 200_000;

    private final Set<String> ids;

    public CommandIds() {
        this(MAX_IDS);
    }

    public CommandIds(int maxIds) {
        this.ids = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > maxIds;
            }
        }));
    }

    public boolean contains(String commandId) {
        return ids.contains(commandId);
    }

    public void add(String commandId) {
        ids.add(commandId);
    }

    public int size() {
        return ids.size();
    }
}
