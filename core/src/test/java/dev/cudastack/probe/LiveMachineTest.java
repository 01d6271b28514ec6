package dev.cudastack.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cudastack.model.Inspection;
import dev.cudastack.model.Observation;
import dev.cudastack.model.Snapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * This machine, read live: no NVIDIA driver, and a CUDA 13.0 toolkit at /usr/local/cuda-13.0 whose
 * nvcc says V13.0.88. Skipped, with the reason, on a machine without that toolkit.
 */
class LiveMachineTest {
  private static final Path TOOLKIT = Path.of("/usr/local/cuda-13.0");

  @Test
  void nvccVersionFromRunningTheRealNvcc() {
    assumeTrue(Files.isExecutable(TOOLKIT.resolve("bin/nvcc")), "no /usr/local/cuda-13.0/bin/nvcc on this machine");
    CommandResult r = new ProcessCommandRunner(null).run(List.of(TOOLKIT + "/bin/nvcc", "--version"), Duration.ofSeconds(20));
    assertThat(r.ok()).as(r.failure()).isTrue();
    assertThat(ToolkitTexts.nvccVersion(r.stdout())).contains("13.0.88");
  }

  @Test
  void thisMachineHasTheToolkitButNoDriver() {
    assumeTrue(Files.isDirectory(TOOLKIT), "no /usr/local/cuda-13.0 on this machine");
    assumeTrue(!Files.exists(Path.of("/proc/driver/nvidia/version")), "this machine has an NVIDIA driver");
    Snapshot s = new SnapshotTaker(Clock.systemUTC(), "test").take(Machine.live(System.getenv(), Duration.ofSeconds(10)), Inspection.live());
    assertThat(s.driver().kernelModule()).isInstanceOf(Observation.Absent.class);
    assertThat(s.driver().version().isFound()).isFalse();
    assertThat(s.driver().nvmlInit()).isInstanceOf(Observation.Absent.class);
    assertThat(s.gpus().devices()).isEmpty();
    assertThat(s.toolkits().installs()).anySatisfy(t -> {
      assertThat(t.path()).isEqualTo("/usr/local/cuda-13.0");
      assertThat(t.version().orElse(null)).isEqualTo("13.0");
      assertThat(t.nvccVersion().orElse(null)).isEqualTo("13.0.88");
    });
    assertThat(s.libraries().ldCacheEntries().orElse(0)).isPositive();
    assertThat(s.os().glibc().isFound()).isTrue();
    assertThat(s.probes()).extracting(dev.cudastack.model.ProbeRun::probe)
        .containsExactly("os", "driver", "toolkits", "libraries", "host-compiler", "python");
  }

  @Test
  void aWrapperScriptNvccIsFollowedToItsToolkit() {
    Path wrapper = Path.of("/usr/local/bin/nvcc");
    assumeTrue(Files.isRegularFile(wrapper) && !Files.isSymbolicLink(wrapper), "no wrapper-script nvcc at /usr/local/bin/nvcc here");
    Machine m = Machine.live(java.util.Map.of("PATH", "/usr/local/bin:/usr/bin:/bin"), Duration.ofSeconds(5));
    List<dev.cudastack.model.ToolkitInfo.NvccOnPath> onPath = ToolkitProbe.nvccOnPath(m, new Notes());
    assertThat(onPath.getFirst().path()).isEqualTo("/usr/local/bin/nvcc");
    assertThat(onPath.getFirst().chain()).contains("/usr/local/cuda-13.0/bin/nvcc");
    assertThat(onPath.getFirst().toolkit()).isEqualTo("/usr/local/cuda-13.0");
  }
}
