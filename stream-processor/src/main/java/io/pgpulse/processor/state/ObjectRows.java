package io.pgpulse.processor.state;

import java.util.Arrays;

/**
 * One kind of object of one source (its tables, its indexes, its statements) as rows of
 * {@code width} long slots, each row keyed by a long id (an OID; a hash of queryid and
 * user for statements) and stamped with the generation of its tracking: a row that
 * disappears and comes back is tracked anew under a new generation, so a window never
 * subtracts values of two different trackings.
 *
 * <p>Built once, then only read: a state step makes new rows instead of changing old ones,
 * which is what lets the previous and the current state of a source sit side by side.
 */
public final class ObjectRows {

    private final int width;
    private int size;
    private long[] ids;
    private int[] gens;
    private long[] values;
    private int[] index; // open addressing: slot -> row + 1, 0 = empty; built lazily
    private boolean sealed;

    public ObjectRows(int width, int expectedRows) {
        this.width = width;
        int capacity = Math.max(4, expectedRows);
        this.ids = new long[capacity];
        this.gens = new int[capacity];
        this.values = new long[capacity * width];
    }

    public static ObjectRows empty(int width) {
        ObjectRows rows = new ObjectRows(width, 0);
        rows.seal();
        return rows;
    }

    public int width() {
        return width;
    }

    public int size() {
        return size;
    }

    public long id(int row) {
        return ids[row];
    }

    public int gen(int row) {
        return gens[row];
    }

    public long get(int row, int slot) {
        return values[row * width + slot];
    }

    /** Appends a row (all slots {@link StateWriter#NONE}) and returns its number; only before {@link #seal}. */
    public int add(long id, int gen) {
        if (sealed) {
            throw new IllegalStateException("rows are sealed");
        }
        if (size == ids.length) {
            int capacity = size * 2;
            ids = Arrays.copyOf(ids, capacity);
            gens = Arrays.copyOf(gens, capacity);
            values = Arrays.copyOf(values, capacity * width);
        }
        ids[size] = id;
        gens[size] = gen;
        index = null;
        Arrays.fill(values, size * width, (size + 1) * width, StateWriter.NONE);
        return size++;
    }

    public void set(int row, int slot, long value) {
        if (sealed) {
            throw new IllegalStateException("rows are sealed");
        }
        values[row * width + slot] = value;
    }

    /** No more changes from here on. */
    public ObjectRows seal() {
        sealed = true;
        return this;
    }

    /** The row with {@code id}, or -1. */
    public int find(long id) {
        if (size == 0) {
            return -1;
        }
        if (index == null) {
            buildIndex();
        }
        int mask = index.length - 1;
        int slot = mix(id) & mask;
        while (true) {
            int entry = index[slot];
            if (entry == 0) {
                return -1;
            }
            if (ids[entry - 1] == id) {
                return entry - 1;
            }
            slot = (slot + 1) & mask;
        }
    }

    private void buildIndex() {
        int capacity = Integer.highestOneBit(Math.max(4, size) * 2) << 1;
        int[] table = new int[capacity];
        int mask = capacity - 1;
        for (int row = 0; row < size; row++) {
            int slot = mix(ids[row]) & mask;
            while (table[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            table[slot] = row + 1;
        }
        index = table;
    }

    private static int mix(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /**
     * Writes the rows; ids are delta-coded against the previous row (OIDs of one database
     * are close together), and each slot relative to {@code references[slot]} when given.
     */
    public void write(StateWriter out, long[] references) {
        out.writeUnsigned(size);
        long previousId = 0;
        for (int row = 0; row < size; row++) {
            out.writeLong(ids[row] - previousId);
            previousId = ids[row];
            out.writeUnsigned(gens[row]);
            int base = row * width;
            for (int slot = 0; slot < width; slot++) {
                long reference = references == null ? 0 : references[slot];
                out.writeRelative(values[base + slot], reference);
            }
        }
    }

    public static ObjectRows read(StateReader in, int width, long[] references) {
        int size = (int) in.readUnsigned();
        ObjectRows rows = new ObjectRows(width, size);
        long id = 0;
        for (int row = 0; row < size; row++) {
            id += in.readLong();
            int r = rows.add(id, (int) in.readUnsigned());
            int base = r * width;
            for (int slot = 0; slot < width; slot++) {
                long reference = references == null ? 0 : references[slot];
                rows.values[base + slot] = in.readRelative(reference);
            }
        }
        return rows.seal();
    }
}
