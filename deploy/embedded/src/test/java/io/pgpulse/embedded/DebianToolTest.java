package io.pgpulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DebianToolTest {

    @Test
    void presentBinaryIsFoundWithoutInstalling() {
        DebianTool sh = new DebianTool("sh", "PGPULSE_TEST_UNSET_BIN", "nothing", List.of(Path.of("/nonexistent/sh"),
                Path.of("/bin/sh")));
        assertThat(sh.require()).isEqualTo(Path.of("/bin/sh"));
    }

    @Test
    void missingBinaryWithoutAnInstallerFailsSayingWhatToRun() {
        DebianTool missing = new DebianTool("frobnicator", "PGPULSE_TEST_UNSET_BIN", "frobnicator",
                List.of(Path.of("/nonexistent/frobnicator")));
        assertThat(missing.find()).isEmpty();
        assertThatThrownBy(missing::require)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("frobnicator is not installed")
                .hasMessageContaining("deploy/scripts/install-frobnicator.sh")
                .hasMessageContaining("PGPULSE_TEST_UNSET_BIN");
    }
}
