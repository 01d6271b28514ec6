package dev.cudastack.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cudastack.model.Inspection;
import dev.cudastack.model.Observation;
import dev.cudastack.model.PythonInfo;
import dev.cudastack.model.Snapshot;
import dev.cudastack.testing.Capture;
import dev.cudastack.testing.RecordedCommandRunner;
import dev.cudastack.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --deep: the environment's interpreter asked once, in a child process. */
class DeepQueryTest {
  @TempDir Path root;

  /** The H100 machine's answer, with the values its capture recorded (torch-truth.txt). */
  static String capturedAnswer() {
    Map<String, String> truth = new java.util.HashMap<>();
    for (String l : Capture.output("torch-truth.txt").lines().toList()) {
      int sp = l.indexOf(' ');
      if (sp > 0) {
        truth.put(l.substring(0, sp), l.substring(sp + 1));
      }
    }
    return "CUDASTACK-DEEP {\"torchVersion\": \"" + truth.get("version") + "\", \"cuda\": \"" + truth.get("cuda") + "\", \"available\": "
        + truth.get("available").toLowerCase() + ", \"capabilities\": [\"9.0\"], \"archList\": "
        + truth.get("arch_list").replace('\'', '"') + ", \"cudnn\": \"" + truth.get("cudnn") + "\", \"cudaHome\": \"/usr/local/cuda\", "
        + "\"mappedLibraries\": [\"/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcudart.so.13\"]}\n";
  }

  @Test
  void readsTheInterpretersAnswer() {
    Trees.write(root, "/venv/pyvenv.cfg", "version = 3.12.3\n");
    Trees.touch(root, "/venv/bin/python3");
    RecordedCommandRunner runner = new RecordedCommandRunner().answer(List.of("/venv/bin/python3", "-c", DeepQuery.SCRIPT), capturedAnswer());
    Machine m = new Machine(MachineFs.rooted(root), Map.of("PATH", "/venv/bin"), runner, NativeAccess.none("-"), Duration.ofSeconds(1), true);
    Snapshot s = new SnapshotTaker(H100CaptureTest.CLOCK, "t", new SnapshotTaker.Options(List.of(), true)).take(m, Inspection.live());
    PythonInfo.DeepReport d = s.python().environments().getFirst().deep().orElse(null);
    assertThat(d.torchVersion()).isEqualTo("2.11.0+cu130");
    assertThat(d.available()).isTrue();
    assertThat(d.archList()).containsExactly("sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120");
    assertThat(d.cudnn()).isEqualTo("91900");
    assertThat(d.mappedLibraries()).singleElement().asString().endsWith("libcudart.so.13");
  }

  @Test
  void neverRunsUnderRoot() throws Exception {
    Trees.touch(root, "/venv/bin/python3");
    Trees.write(root, "/venv/pyvenv.cfg", "version = 3.12.3\n");
    RecordedCommandRunner runner = new RecordedCommandRunner();
    Machine m = new Machine(MachineFs.rooted(root), Map.of("PATH", "/venv/bin"), runner, NativeAccess.none("-"), Duration.ofSeconds(1), false);
    Snapshot s = new SnapshotTaker(H100CaptureTest.CLOCK, "t", new SnapshotTaker.Options(List.of(), true)).take(m, Inspection.root("x", null));
    assertThat(runner.asked()).isEmpty();
    assertThat(s.python().environments().getFirst().deep()).isInstanceOf(Observation.Absent.class);
  }

  @Test
  void thisMachinesPythonWithoutTorch() {
    Path py = Path.of("/usr/bin/python3");
    assumeTrue(Files.isExecutable(py), "no /usr/bin/python3 here");
    Machine m = Machine.live(System.getenv(), Duration.ofSeconds(10));
    Observation<PythonInfo.DeepReport> d = DeepQuery.ask(m, "/usr");
    assertThat(d.isFound()).as(d.summary()).isTrue();
    assumeTrue(d.orElse(null).error() != null, "this machine's /usr/bin/python3 has torch");
    assertThat(d.orElse(null).error()).contains("No module named 'torch'");
  }
}
