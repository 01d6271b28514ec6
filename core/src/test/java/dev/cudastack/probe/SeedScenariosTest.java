package dev.cudastack.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.model.GpuInfo;
import dev.cudastack.model.Inspection;
import dev.cudastack.model.Snapshot;
import dev.cudastack.model.ToolkitInfo;
import dev.cudastack.testing.RecordedCommandRunner;
import dev.cudastack.testing.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The three seed trees of the motivating case, read with --root and their ENV files. */
class SeedScenariosTest {
  static Snapshot take(String scenario) throws Exception {
    Path dir = Shared.scenario(scenario);
    Machine m = Machine.rooted(dir.resolve("root"), EnvFile.parse(Files.readString(dir.resolve("ENV"))), Duration.ofSeconds(2));
    return new SnapshotTaker(H100CaptureTest.CLOCK, "test").take(m, Inspection.root(dir.toString(), "ENV"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"seed-case", "seed-case-midway", "seed-case-fixed"})
  void sameMachineFacts(String scenario) throws Exception {
    Snapshot s = take(scenario);
    assertThat(s.driver().kernelModule().orElse(null)).isEqualTo("560.35.03");
    assertThat(s.driver().libcudaVersion().orElse(null)).isEqualTo("560.35.03");
    assertThat(s.driver().nvmlLibraryVersion().orElse(null)).isEqualTo("560.35.03");
    assertThat(s.gpus().enumeration().orElse(null)).isEqualTo("/proc/driver/nvidia/gpus");
    assertThat(s.gpus().devices()).extracting(g -> g.name().orElse(null))
        .containsExactly("Tesla V100-SXM2-32GB", "Tesla V100-SXM2-32GB");
    assertThat(s.gpus().devices()).extracting(GpuInfo.Gpu::index).containsExactly(0, 1);
    assertThat(s.toolkits().installs()).extracting(ToolkitInfo.ToolkitInstall::path)
        .containsExactlyInAnyOrder("/usr/local/cuda-10.1", "/usr/local/cuda-12.6");
    ToolkitInfo.ToolkitInstall old = install(s, "/usr/local/cuda-10.1");
    assertThat(old.version().orElse(null)).isEqualTo("10.1.243");
    assertThat(old.version().source().ref()).isEqualTo("/usr/local/cuda-10.1/version.txt");
    ToolkitInfo.ToolkitInstall current = install(s, "/usr/local/cuda-12.6");
    assertThat(current.version().orElse(null)).isEqualTo("12.6.2");
    assertThat(current.version().source().ref()).isEqualTo("/usr/local/cuda-12.6/version.json");
    assertThat(current.nvccVersion().orElse(null)).isEqualTo("12.6.77");
    assertThat(s.hostCompiler().selected().orElse(null).version().orElse(null)).isEqualTo("9");
    assertThat(s.os().distro().orElse(null).versionId()).isEqualTo("20.04");
    // Nothing under the tree is run: the probes only read files.
    assertThat(s.driver().nvmlInit().summary()).contains("--root");
  }

  @ParameterizedTest
  @ValueSource(strings = {"seed-case", "seed-case-midway"})
  void brokenCasesUseNvcc101(String scenario) throws Exception {
    Snapshot s = take(scenario);
    assertThat(s.toolkits().shell().orElse(null).toolkit()).isEqualTo("/usr/local/cuda-10.1");
    assertThat(s.toolkits().extensionBuild().orElse(null).toolkit()).isEqualTo("/usr/local/cuda-10.1");
    assertThat(install(s, "/usr/local/cuda-10.1").aliases()).contains("/usr/local/cuda -> cuda-10.1");
    assertThat(s.libraries().files()).anySatisfy(l -> {
      assertThat(l.library()).isEqualTo("cudart");
      assertThat(l.version().orElse(null)).isEqualTo("12.6.77");
      assertThat(l.foundVia()).contains("LD_LIBRARY_PATH /usr/local/cuda-12.6/lib64");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"seed-case-fixed"})
  void fixedCaseUses126(String scenario) throws Exception {
    Snapshot s = take(scenario);
    assertThat(s.toolkits().shell().orElse(null).toolkit()).isEqualTo("/usr/local/cuda-12.6");
    ToolkitInfo.ExtensionBuild e = s.toolkits().extensionBuild().orElse(null);
    assertThat(e.chosenBy()).isEqualTo("$CUDA_HOME");
    assertThat(e.toolkit()).isEqualTo("/usr/local/cuda-12.6");
  }

  private static ToolkitInfo.ToolkitInstall install(Snapshot s, String path) {
    return s.toolkits().installs().stream().filter(t -> t.path().equals(path)).findFirst().orElseThrow();
  }

  @ParameterizedTest
  @ValueSource(strings = {"seed-case"})
  void rootModeNeverAsksTheRunner(String scenario) throws Exception {
    Path dir = Shared.scenario(scenario);
    RecordedCommandRunner runner = new RecordedCommandRunner();
    Machine m = new Machine(MachineFs.rooted(dir.resolve("root")), EnvFile.parse(Files.readString(dir.resolve("ENV"))), runner,
        NativeAccess.none("--root"), Duration.ofSeconds(1), false);
    new SnapshotTaker(H100CaptureTest.CLOCK, "test").take(m, Inspection.root(dir.toString(), "ENV"));
    assertThat(runner.asked()).isEmpty();
  }
}
