package dev.cudastack.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.json.Json;
import dev.cudastack.kb.ArchList;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.Torch;
import dev.cudastack.model.Inspection;
import dev.cudastack.model.Snapshot;
import dev.cudastack.probe.EnvFile;
import dev.cudastack.probe.Machine;
import dev.cudastack.probe.SnapshotTaker;
import dev.cudastack.report.JsonReport;
import dev.cudastack.report.MarkdownReport;
import dev.cudastack.report.TextReport;
import dev.cudastack.testing.Scenario;
import dev.cudastack.testing.Shared;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three seed trees against their expect.json (require / forbid / exit), the seed case's report
 * read as its STORY.md tells it, and golden files of the full text, JSON and Markdown reports
 * (regenerate with -Dcudastack.updateGoldens=true and review the diff).
 */
class SeedStoriesTest {
  private static final Path GOLDEN = Path.of("src/test/golden");

  static Snapshot take(String scenario) throws Exception {
    Path dir = Shared.scenario(scenario);
    Machine m = Machine.rooted(dir.resolve("root"), EnvFile.parse(Files.readString(dir.resolve("ENV"))), Duration.ofSeconds(2));
    return new SnapshotTaker(Scenario.CLOCK, "cudastack test").take(m, Inspection.root("scenarios/" + scenario + "/root", "ENV"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"seed-case", "seed-case-midway", "seed-case-fixed"})
  void meetsItsExpectations(String scenario) throws Exception {
    Diagnosis d = Checks.run(take(scenario), KnowledgeBase.bundled());
    Map<?, ?> expect = (Map<?, ?>) Json.parse(Files.readString(Shared.scenario(scenario).resolve("expect.json")));
    List<String> codes = Scenario.codes(d);
    for (Object code : (List<?>) expect.get("require")) {
      assertThat(codes).as("%s requires %s", scenario, code).contains((String) code);
    }
    for (Object code : (List<?>) expect.get("forbid")) {
      assertThat(codes).as("%s forbids %s", scenario, code).doesNotContain((String) code);
    }
    Object exit = expect.get("exit");
    List<Object> allowed = exit instanceof List<?> l ? List.copyOf(l) : List.of(exit);
    assertThat(allowed).as("%s exit code %d (findings %s)", scenario, d.exitCode(), codes).contains((Object) (long) d.exitCode());
  }

  @Test
  void theSeedCaseReadsAsItsStory() throws Exception {
    Diagnosis d = Checks.run(take("seed-case"), KnowledgeBase.bundled());
    String text = render(take("seed-case"), d, "text");
    // The missing bitsandbytes binary and why.
    assertThat(text).contains("bitsandbytes 0.38.0 wants libbitsandbytes_cuda126.so, which it does not ship")
        .contains("/usr/local/cuda-12.6/lib64/libcudart.so (from LD_LIBRARY_PATH)");
    // nvcc 10.1 against torch's 10.2, and gcc 9 against nvcc 10.1's limit of 8.
    assertThat(text).contains("nvcc 10.1 and torch's CUDA 10.2 differ in minor version").contains("gcc 9 is newer than nvcc 10.1 accepts (gcc ≤ 8)");
    // The driver is fine.
    assertThat(text).contains("driver 560.35.03 runs CUDA up to 12.6").contains("torch 1.12.0+cu102 (CUDA 10.2) runs on this driver");
    // One coherent way out: a CUDA 12.x torch that driver 560 runs and that has sm_70, and the two export lines.
    Proposal p = d.proposals().getFirst();
    assertThat(p.torchChanged()).isTrue();
    assertThat(p.torch()).matches("2\\.\\d+\\.\\d+\\+cu12\\d");
    KnowledgeBase kb = KnowledgeBase.bundled();
    Torch.Match m = kb.torch(p.torch()).orElseThrow();
    assertThat(m.variant().orElseThrow().archList().orElseThrow().fit(70)).isIn(ArchList.Fit.EXACT, ArchList.Fit.COMPATIBLE_SASS);
    assertThat(kb.runtimeOnDriver(m.variant().get().cudaVersion(), "560.35.03").outcome()).isEqualTo(KnowledgeBase.Outcome.NATIVE);
    assertThat(p.environment()).extracting(Fix::shell).containsExactly(
        "export PATH=/usr/local/cuda-12.6/bin:$PATH", "export LD_LIBRARY_PATH=/usr/local/cuda-12.6/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}");
    assertThat(p.installs()).extracting(Fix::shell).anyMatch(s -> s.startsWith("pip install torch==" + p.torch().substring(0, p.torch().indexOf('+'))) && s.endsWith("/whl/" + m.variant().get().cuda()))
        .anyMatch(s -> s.startsWith("pip install 'bitsandbytes=="));
    // The bitsandbytes proposed ships that CUDA's binary.
    String bnb = p.bitsandbytes().replace("bitsandbytes==", "").replace(".*", ".0");
    assertThat(kb.bnb(bnb).orElseThrow().binaries()).contains(m.variant().get().cuda().substring(2));
  }

  @Test
  void midwayKeepsTorchAndFixesTheRest() throws Exception {
    Diagnosis d = Checks.run(take("seed-case-midway"), KnowledgeBase.bundled());
    Proposal p = d.proposals().getFirst();
    assertThat(p.torchChanged()).isFalse();
    assertThat(p.torch()).isEqualTo("2.5.1+cu121");
    assertThat(p.environment()).extracting(Fix::shell).contains("export PATH=/usr/local/cuda-12.6/bin:$PATH");
    // The fixed tree needs no proposal.
    assertThat(Checks.run(take("seed-case-fixed"), KnowledgeBase.bundled()).proposals()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"seed-case", "seed-case-midway", "seed-case-fixed"})
  void goldenReports(String scenario) throws Exception {
    Snapshot s = take(scenario);
    Diagnosis d = Checks.run(s, KnowledgeBase.bundled());
    for (String kind : List.of("text", "json", "md")) {
      String actual = render(s, d, kind);
      Path golden = GOLDEN.resolve(scenario + "." + (kind.equals("text") ? "txt" : kind));
      if (Boolean.getBoolean("cudastack.updateGoldens")) {
        Files.createDirectories(GOLDEN);
        Files.writeString(golden, actual, StandardCharsets.UTF_8);
      }
      assertThat(golden).as("golden file (run with -Dcudastack.updateGoldens=true to create it)").exists();
      assertThat(actual).as("%s %s report", scenario, kind).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    }
  }

  private static String render(Snapshot s, Diagnosis d, String kind) {
    StringWriter w = new StringWriter();
    PrintWriter out = new PrintWriter(w);
    switch (kind) {
      case "text" -> new TextReport(false, false).render(s, d, out);
      case "json" -> new JsonReport().render(s, d, out);
      default -> new MarkdownReport().render(s, d, out);
    }
    out.flush();
    // Probe timings are the one thing that differs between runs.
    return w.toString().replaceAll("\"millis\": \\d+", "\"millis\": 0");
  }
}
