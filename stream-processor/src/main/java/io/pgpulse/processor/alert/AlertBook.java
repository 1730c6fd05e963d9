package io.pgpulse.processor.alert;

import static io.pgpulse.processor.state.StateWriter.NONE;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.processor.serde.StateSerde;
import io.pgpulse.processor.state.StateReader;
import io.pgpulse.processor.state.StateWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The open incidents of one source: for each (rule, object) that is pending or firing,
 * since when it holds, the FIRING event sent (the latest one, escalated or not), the final
 * result of a command that was run for it, and the commands issued for it whose result is
 * still awaited. Kept in one store entry per source so that one read tells the lifecycle
 * everything about a source, and written only when something changed.
 */
final class AlertBook {

    private static final byte FORMAT_VERSION = 1;
    private static final StateSerde<Alert> ALERTS = new StateSerde<>(Alert.class);
    private static final StateSerde<CommandResult> RESULTS = new StateSerde<>(CommandResult.class);

    /** One pending or firing (rule, object) of the source. */
    static final class Entry {
        final String rule;
        final ObjectRef object;
        final String fingerprint;
        long pendingSinceMs = NONE;
        Alert firing;
        CommandResult remediation;
        /** When the resolve condition first held while a command's result was still awaited. */
        long resolvableSinceMs = NONE;
        final List<String> commandIds = new ArrayList<>(1);
        final List<Long> commandExpiresMs = new ArrayList<>(1);

        Entry(String rule, ObjectRef object, String fingerprint) {
            this.rule = rule;
            this.object = object;
            this.fingerprint = fingerprint;
        }

        boolean isFiring() {
            return firing != null;
        }

        /** Whether a command for this incident may still report back at {@code atMs}. */
        boolean awaitsCommand(long atMs) {
            for (long expires : commandExpiresMs) {
                if (expires > atMs) {
                    return true;
                }
            }
            return false;
        }

        void commandIssued(String id, long expiresMs) {
            if (!commandIds.contains(id)) {
                commandIds.add(id);
                commandExpiresMs.add(expiresMs);
            }
        }

        void commandDone(String id) {
            int i = commandIds.indexOf(id);
            if (i >= 0) {
                commandIds.remove(i);
                commandExpiresMs.remove(i);
            }
        }

        String identity() {
            return identity(rule, object);
        }

        static String identity(String rule, ObjectRef object) {
            if (object == null) {
                return rule;
            }
            return rule + '\u0000' + object.getKind() + '\u0000' + (object.getSchemaName() == null ? "" : object.getSchemaName())
                    + '\u0000' + object.getName();
        }
    }

    final String sourceId;
    final List<Entry> entries = new ArrayList<>();

    AlertBook(String sourceId) {
        this.sourceId = sourceId;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    Entry byFingerprint(String fingerprint) {
        for (Entry e : entries) {
            if (e.fingerprint.equals(fingerprint)) {
                return e;
            }
        }
        return null;
    }

    boolean hasEntriesFor(String rule) {
        for (Entry e : entries) {
            if (e.rule.equals(rule)) {
                return true;
            }
        }
        return false;
    }

    List<Entry> entriesFor(String rule) {
        List<Entry> out = new ArrayList<>(2);
        for (Entry e : entries) {
            if (e.rule.equals(rule)) {
                out.add(e);
            }
        }
        return out;
    }

    void remove(Entry entry) {
        entries.remove(entry);
    }

    int firingCount() {
        int n = 0;
        for (Entry e : entries) {
            if (e.isFiring()) {
                n++;
            }
        }
        return n;
    }

    List<Alert> firing() {
        List<Alert> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.isFiring()) {
                out.add(e.firing);
            }
        }
        return out;
    }

    byte[] write() {
        StateWriter out = new StateWriter(64 + entries.size() * 600, FORMAT_VERSION);
        out.writeString(sourceId);
        out.writeUnsigned(entries.size());
        for (Entry e : entries) {
            out.writeString(e.rule);
            out.writeString(e.fingerprint);
            out.writeBoolean(e.object != null);
            if (e.object != null) {
                out.writeString(e.object.getKind().name());
                out.writeString(e.object.getSchemaName());
                out.writeString(e.object.getName());
                out.writeLong(e.object.getOid());
            }
            out.writeLong(e.pendingSinceMs);
            out.writeLong(e.resolvableSinceMs);
            out.writeBytes(e.firing == null ? null : ALERTS.serializer().serialize(null, e.firing));
            out.writeBytes(e.remediation == null ? null : RESULTS.serializer().serialize(null, e.remediation));
            out.writeUnsigned(e.commandIds.size());
            for (int i = 0; i < e.commandIds.size(); i++) {
                out.writeString(e.commandIds.get(i));
                out.writeLong(e.commandExpiresMs.get(i));
            }
        }
        return out.toByteArray();
    }

    static AlertBook read(byte[] bytes) {
        StateReader in = new StateReader(bytes, "alert book", FORMAT_VERSION);
        AlertBook book = new AlertBook(in.readString());
        int n = (int) in.readUnsigned();
        for (int i = 0; i < n; i++) {
            String rule = in.readString();
            String fingerprint = in.readString();
            ObjectRef object = null;
            if (in.readBoolean()) {
                object = new ObjectRef(ObjectKind.valueOf(in.readString()), in.readString(), in.readString(), in.readLong());
            }
            Entry e = new Entry(rule, object, fingerprint);
            e.pendingSinceMs = in.readLong();
            e.resolvableSinceMs = in.readLong();
            byte[] firing = in.readBytes();
            e.firing = firing == null ? null : ALERTS.deserializer().deserialize(null, firing);
            byte[] result = in.readBytes();
            e.remediation = result == null ? null : RESULTS.deserializer().deserialize(null, result);
            int commands = (int) in.readUnsigned();
            for (int c = 0; c < commands; c++) {
                e.commandIds.add(in.readString());
                e.commandExpiresMs.add(in.readLong());
            }
            book.entries.add(e);
        }
        in.expectEnd();
        return book;
    }
}
