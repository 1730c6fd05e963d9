package io.pgpulse.schemas.serde;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A least-recently-used map of at most {@code capacity} entries. The registry client keeps
 * its answers here so that a consumer of a topic that saw thousands of schema versions, or a
 * producer of generic records with schemas built on the fly, does not grow without bound.
 * The value is computed outside the lock: two threads may both ask the registry once, and
 * since a registry's answers never change meaning, either answer is right.
 */
final class BoundedCache<K, V> {

    private final Map<K, V> entries;

    BoundedCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("cache capacity must be at least 1, was " + capacity);
        }
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    V get(K key, Function<K, V> compute) {
        synchronized (entries) {
            V cached = entries.get(key);
            if (cached != null) {
                return cached;
            }
        }
        V computed = compute.apply(key);
        synchronized (entries) {
            entries.put(key, computed);
        }
        return computed;
    }

    void put(K key, V value) {
        synchronized (entries) {
            entries.put(key, value);
        }
    }

    int size() {
        synchronized (entries) {
            return entries.size();
        }
    }
}
