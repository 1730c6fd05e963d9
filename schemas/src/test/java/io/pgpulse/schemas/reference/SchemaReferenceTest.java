package io.pgpulse.schemas.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checked-in schema reference says what the {@code .avsc} files say. With
 * {@code -Dschemas.reference.write=true} (the command in the failure message) the test rewrites
 * it instead of comparing.
 */
class SchemaReferenceTest {

    /** The module's directory: Maven runs tests there. */
    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path CHECKED_IN = MODULE.resolve("SCHEMAS.md");
    private static final Path SOURCES = MODULE.resolve("src/main/avro");

    @Test
    void checkedInReferenceMatchesTheSchemas() throws IOException {
        String generated = SchemaReference.read(SOURCES).markdown();
        if (Boolean.getBoolean("schemas.reference.write")) {
            Files.writeString(CHECKED_IN, generated, StandardCharsets.UTF_8);
            return;
        }
        String checkedIn = Files.exists(CHECKED_IN) ? Files.readString(CHECKED_IN, StandardCharsets.UTF_8) : "";
        if (!checkedIn.equals(generated)) {
            fail(SchemaReference.CHECKED_IN + " is stale: it does not match the .avsc files in "
                    + SchemaReference.SOURCES + " (" + firstDifference(checkedIn, generated)
                    + "). Regenerate it from the repository root with:\n  " + SchemaReference.REGENERATE);
        }
    }

    @Test
    void everyRecordAndFieldOfEveryFileIsDescribedAndHasADoc() throws IOException {
        String markdown = SchemaReference.read(SOURCES).markdown();
        SchemaParser parser = new SchemaParser();
        try (var files = Files.list(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".avsc")).toList()) {
                parser.parse(file);
            }
        }
        List<Schema> named = parser.getParsedNamedSchemas();
        assertThat(named).hasSizeGreaterThan(20);
        for (Schema schema : named) {
            assertThat(markdown).as("section of %s", schema.getName())
                    .satisfiesAnyOf(text -> assertThat(text).contains("\n## " + schema.getName() + "\n"),
                            text -> assertThat(text).contains("\n### " + schema.getName() + "\n"))
                    .containsOnlyOnce("`" + schema.getFullName() + "`, ");
            if (schema.getType() == Schema.Type.RECORD) {
                for (Schema.Field field : schema.getFields()) {
                    assertThat(markdown).as("%s.%s", schema.getName(), field.name())
                            .contains("| `" + field.name() + "` | ");
                    assertThat(field.doc()).as("doc of %s.%s (every field of the contract has one)",
                            schema.getName(), field.name()).isNotBlank();
                }
            }
        }
        for (String row : List.of(
                "| `pgpulse.snapshots.v1` | source id (`<cluster>/<database>`) | [PgSnapshot](#pgsnapshot) |",
                "| `pgpulse.metrics.v1` | source id | [DerivedMetrics](#derivedmetrics) |",
                "| `pgpulse.alerts.v1` | alert fingerprint | [Alert](#alert) |",
                "| `pgpulse.commands.v1` | source id | [MaintenanceCommand](#maintenancecommand) |",
                "| `pgpulse.command-results.v1` | command id | [CommandResult](#commandresult) |")) {
            assertThat(markdown).contains(row + "\n");
        }
        assertThat(markdown).contains(
                "| `collected_at` | `timestamp-millis` (long) | *required* | ",
                "| `error` | null or [CollectionError](#collectionerror) | `null` | ",
                "`io.pgpulse.avro.CollectionError`, record, declared in [PgSnapshot](#pgsnapshot)\n",
                "| `tags` | map of string to `string` | `{}` | ",
                "\\<cluster>/\\<database>");
    }

    @Test
    void filesMayReferToTypesOfFilesReadLater(@TempDir Path directory) throws IOException {
        Files.writeString(directory.resolve("A.avsc"), """
                {"type":"record","name":"A","namespace":"t","doc":"Uses B | C.","fields":[
                  {"name":"b","type":["null","B"],"default":null,"doc":"A <b> of\\n two lines."}]}""");
        Files.writeString(directory.resolve("B.avsc"), """
                {"type":"enum","name":"B","namespace":"t","symbols":["X","Y"],"default":"X"}""");

        String markdown = SchemaReference.read(directory).markdown();

        assertThat(markdown).doesNotContain("| `pgpulse.").contains("## A\n\n`t.A`, record\n\nUses B | C.\n",
                "| `b` | null or [B](#b) | `null` | A \\<b> of two lines. |",
                "## B\n\n`t.B`, enum\n\nSymbols: `X`, `Y`. A reader that meets a symbol it does not know reads `X`.");
    }

    @Test
    void sameFilesGiveTheSameBytes() throws IOException {
        assertThat(SchemaReference.read(SOURCES).markdown()).isEqualTo(SchemaReference.read(SOURCES).markdown());
    }

    private static String firstDifference(String checkedIn, String generated) {
        if (checkedIn.isEmpty()) {
            return "the file is missing or empty";
        }
        String[] old = checkedIn.split("\n", -1);
        String[] fresh = generated.split("\n", -1);
        for (int i = 0; i < Math.min(old.length, fresh.length); i++) {
            if (!old[i].equals(fresh[i])) {
                return "first difference at line " + (i + 1) + ": the file has \"" + old[i] + "\", the schemas give \""
                        + fresh[i] + "\"";
            }
        }
        return "the file has " + old.length + " lines, the schemas give " + fresh.length;
    }
}
