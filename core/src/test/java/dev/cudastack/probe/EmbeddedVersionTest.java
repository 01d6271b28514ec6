package dev.cudastack.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The "Cuda compilation tools" banner read from real binaries, without running them. */
class EmbeddedVersionTest {
  @TempDir Path tmp;

  @Test
  void thisMachinesPtxas() {
    Path ptxas = Path.of("/usr/local/cuda-13.0/bin/ptxas");
    assumeTrue(Files.isRegularFile(ptxas), "no CUDA 13.0 ptxas here");
    assertThat(EmbeddedVersion.cudaToolVersion(ptxas)).contains("13.0.88");
  }

  @Test
  void anElfThatGccBuildsHere() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "no gcc here");
    Path src = Files.writeString(tmp.resolve("tool.c"),
        "#include <stdio.h>\nconst char banner[] = \"Cuda compilation tools, release 12.8, V12.8.93\";\n"
            + "int main(void) { puts(banner); return 0; }\n");
    Path bin = tmp.resolve("ptxas");
    CommandResult r = new ProcessCommandRunner(null).run(List.of("/usr/bin/gcc", "-O1", "-o", bin.toString(), src.toString()), Duration.ofSeconds(60));
    assertThat(r.ok()).as(r.failure()).isTrue();
    assertThat(EmbeddedVersion.cudaToolVersion(bin)).contains("12.8.93");
  }

  @Test
  void garbageAndTruncatedFiles() throws Exception {
    Path empty = Files.write(tmp.resolve("empty"), new byte[0]);
    assertThat(EmbeddedVersion.cudaToolVersion(empty)).isEmpty();
    byte[] junk = new byte[200_000];
    new Random(7).nextBytes(junk);
    junk[0] = 0x7f;
    junk[1] = 'E';
    junk[2] = 'L';
    junk[3] = 'F';
    junk[4] = 2;
    junk[5] = 1;
    assertThat(EmbeddedVersion.cudaToolVersion(Files.write(tmp.resolve("junk"), junk))).isEmpty();
    assertThat(EmbeddedVersion.cudaToolVersion(tmp.resolve("missing"))).isEmpty();
  }
}
