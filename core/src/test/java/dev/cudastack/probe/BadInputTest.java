package dev.cudastack.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.cudastack.model.Inspection;
import dev.cudastack.model.Observation;
import dev.cudastack.model.Snapshot;
import dev.cudastack.model.ToolkitInfo;
import dev.cudastack.report.StackView;
import dev.cudastack.testing.FixtureNativeAccess;
import dev.cudastack.testing.RecordedCommandRunner;
import dev.cudastack.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Broken trees and hung commands: each gives a partial snapshot with a note, never an exception. */
class BadInputTest {
  @TempDir Path root;

  private Snapshot take(Map<String, String> env) {
    return new SnapshotTaker(H100CaptureTest.CLOCK, "test").take(Machine.rooted(root, env, Duration.ofSeconds(1)), Inspection.root(root.toString(), null));
  }

  private static String notes(Snapshot s) {
    return String.join("\n", StackView.notes(s));
  }

  @Test
  void danglingSymlinkAndLoopAreNotedAndTheRestIsRead() {
    Trees.write(root, "/usr/local/cuda-12.4/version.json", "{\"cuda\": {\"name\": \"CUDA SDK\", \"version\": \"12.4.1\"}}");
    Trees.link(root, "/usr/local/cuda", "/usr/local/cuda-99.9");
    Trees.link(root, "/usr/local/cuda-loop", "/usr/local/cuda-loop2");
    Trees.link(root, "/usr/local/cuda-loop2", "cuda-loop");
    Snapshot s = take(Map.of());
    assertThat(s.toolkits().installs()).extracting(ToolkitInfo.ToolkitInstall::path).containsExactly("/usr/local/cuda-12.4");
    assertThat(notes(s)).contains("/usr/local/cuda (/usr/local/cuda*): dangling symlink").contains("symlink loop");
  }

  @Test
  void truncatedVersionJsonFallsBackToCudaH() {
    Trees.write(root, "/usr/local/cuda-12.1/version.json", "{\"cuda\": {\"name\": \"CUDA SDK\", \"vers");
    Trees.write(root, "/usr/local/cuda-12.1/include/cuda.h", "#define CUDA_VERSION 12010\n");
    Snapshot s = take(Map.of());
    ToolkitInfo.ToolkitInstall t = s.toolkits().installs().getFirst();
    assertThat(t.version().orElse(null)).isEqualTo("12.1");
    assertThat(t.version().source().ref()).endsWith("include/cuda.h");
    assertThat(notes(s)).contains("version.json: unreadable");
  }

  @Test
  void binaryFileWhereTextWasExpected() throws Exception {
    Path p = Trees.touch(root, "/etc/os-release");
    Files.write(p, new byte[] {0x7f, 'E', 'L', 'F', 0, 0, 1, 2, 3});
    Trees.write(root, "/proc/driver/nvidia/version", "\u0000\u0001garbage");
    Snapshot s = take(Map.of());
    assertThat(s.os().distro()).isInstanceOf(Observation.Failed.class);
    assertThat(s.os().distro().summary()).contains("binary file where text was expected");
    assertThat(s.driver().kernelModule().isFound()).isFalse();
    assertThat(notes(s)).contains("/etc/os-release: binary file where text was expected");
  }

  @Test
  void unreadableDirectoryIsNoted() throws Exception {
    Path dir = Trees.touch(root, "/usr/local/cuda-11.8/version.txt").getParent();
    Files.writeString(dir.resolve("version.txt"), "CUDA Version 11.8.89\n");
    Path locked = Files.createDirectories(root.resolve("usr/lib/x86_64-linux-gnu"));
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    try {
      assumeFalse(Files.isReadable(locked), "running as root: permissions are not enforced, so this case cannot be made here");
      Snapshot s = take(Map.of());
      assertThat(notes(s)).contains("/usr/lib/x86_64-linux-gnu (standard directory): permission denied");
      assertThat(s.toolkits().installs()).hasSize(1);
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void garbageInEveryDriverFileGivesFailedFactsNotExceptions() {
    Trees.write(root, "/sys/module/nvidia/version", "not a version at all\n");
    Trees.write(root, "/proc/driver/nvidia/version", "NVRM version: nothing to see\n");
    Trees.write(root, "/proc/driver/nvidia/gpus/0000:01:00.0/information", "Model: \nDevice Minor: x\n");
    Trees.write(root, "/etc/ld.so.cache", "glibc-ld.so.cache1.1 truncated");
    Trees.write(root, "/usr/local/cuda-12.0/include/cuda.h", "#define CUDA_VERSION 999999999999\n");
    Snapshot s = take(Map.of("PATH", "/usr/bin", "LD_LIBRARY_PATH", "/nonexistent::/also/missing"));
    assertThat(s.driver().kernelModule()).isInstanceOf(Observation.Failed.class);
    assertThat(s.gpus().devices()).singleElement().satisfies(g -> assertThat(g.name().isFound()).isFalse());
    assertThat(s.libraries().ldCacheEntries()).isInstanceOf(Observation.Failed.class);
    assertThat(s.toolkits().installs().getFirst().version().isFound()).isFalse();
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void aCommandThatNeverReturnsBecomesATimedOutFact() {
    // A driver is visible, NVML is not loadable, and nvidia-smi hangs: a wedged driver.
    Trees.write(root, "/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.90.07  Fri May 31 09:35:42 UTC 2024\n");
    RecordedCommandRunner runner = new RecordedCommandRunner()
        .hang(List.of("nvidia-smi"))
        .hang(List.of("nvidia-smi", "--query-gpu=" + NvidiaSmiOutput.QUERY_FIELDS, "--format=csv,noheader,nounits"));
    Machine m = new Machine(MachineFs.rooted(root), Map.of("PATH", "/usr/bin"), runner, NativeAccess.none("not loadable"), Duration.ofMillis(300), true);
    Snapshot s = new SnapshotTaker(H100CaptureTest.CLOCK, "test").take(m, Inspection.live());
    assertThat(s.driver().kernelModule().orElse(null)).isEqualTo("550.90.07");
    assertThat(s.driver().reportedDriverVersion()).isInstanceOf(Observation.TimedOut.class);
    assertThat(s.gpus().enumeration().summary()).isNotEmpty();
    assertThat(runner.asked()).contains(List.of("nvidia-smi"));
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void aHungNativeCallBecomesATimedOutFactAndNvidiaSmiIsNotTried() {
    Trees.write(root, "/sys/module/nvidia/version", "580.159.04\n");
    RecordedCommandRunner runner = new RecordedCommandRunner();
    Machine m = new Machine(MachineFs.rooted(root), Map.of(), runner, new FixtureNativeAccess(null, null, true), Duration.ofMillis(300), true);
    Snapshot s = new SnapshotTaker(H100CaptureTest.CLOCK, "test").take(m, Inspection.live());
    assertThat(s.driver().nvmlInit()).isInstanceOf(Observation.TimedOut.class);
    assertThat(s.driver().cudaFromDriverApi()).isInstanceOf(Observation.TimedOut.class);
    assertThat(runner.asked()).noneMatch(a -> a.getFirst().equals("nvidia-smi"));
    assertThat(StackView.layers(s).get(1).items()).anySatisfy(i -> assertThat(i.text()).contains("NVML did not answer within 300 ms"));
  }

  @Test
  void aProbeThatOutlivesItsBudgetIsReportedAndTheOthersAreKept() {
    Trees.write(root, "/etc/os-release", "ID=debian\nVERSION_ID=12\nPRETTY_NAME=\"Debian 12\"\n");
    Trees.write(root, "/usr/local/cuda-12.2/version.json", "{\"cuda\": {\"version\": \"12.2.2\"}}");
    Trees.write(root, "/usr/local/cuda-12.2/bin/nvcc", "");
    // nvcc --version hangs longer than the probe's whole budget (2 x timeout + 2 s).
    CommandRunner slow = (argv, timeout) -> {
      if (!argv.getFirst().endsWith("nvcc")) {
        return CommandResult.refused(argv, "not recorded");
      }
      try {
        Thread.sleep(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return CommandResult.refused(argv, "late");
    };
    Machine m = new Machine(MachineFs.rooted(root), Map.of("PATH", "/usr/local/cuda-12.2/bin"), slow, NativeAccess.none("-"), Duration.ofMillis(100), true);
    long t0 = System.nanoTime();
    Snapshot s = new SnapshotTaker(H100CaptureTest.CLOCK, "test").take(m, Inspection.live());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(ms).isLessThan(4_900);
    assertThat(s.os().distro().orElse(null).id()).isEqualTo("debian");
    assertThat(s.toolkits().installs()).isEmpty();
    assertThat(notes(s)).contains("probe 'toolkits' did not finish");
  }
}
