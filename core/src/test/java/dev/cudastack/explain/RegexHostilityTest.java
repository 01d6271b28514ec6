package dev.cudastack.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.LogSignature;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lines built to make regular expressions backtrack or recurse: every signature's literal next to
 * 64 kB of each filler, and the inputs a review found (a path of 2,000 segments overflowed the
 * stack; a GPU name followed by 60,000 spaces took 20 s). The limits are generous: linear matching
 * takes well under a second here; the failures took seconds per line or never returned.
 */
class RegexHostilityTest {
  private static final List<String> FILLERS = List.of(" ", "a", "/a", "/a,", ".", "1.", "x/");

  private static Explanation explain(List<byte[]> lines) throws Exception {
    List<InputStream> parts = new ArrayList<>();
    for (byte[] l : lines) {
      parts.add(new ByteArrayInputStream(l));
    }
    return new Explainer(KnowledgeBase.bundled()).explain(List.of(new SequenceInputStream(Collections.enumeration(parts))));
  }

  private static byte[] line(String s) {
    return (s + "\n").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theReviewsInputsAreExplainedQuickly() {
    List<String> inputs = List.of(
        "ImportError: /home/u" + "/a".repeat(30000) + ".so: undefined symbol: __nvJitLinkAddData_12_1, version libnvJitLink.so.12",
        "GPU models and configuration: GPU 0: NVIDIA " + " ".repeat(60000) + "x",
        "CUDA error 222 at: the provided PTX was compiled with an unsupported toolchain. " + "a".repeat(60000),
        "x nvcc: not found" + "a".repeat(60000),
        "ImportError: " + "/a,".repeat(20000) + " undefined symbol: __nvJitLinkAddData_12_1",
        "Found no NVIDIA driver on your system /usr/" + ".".repeat(65000) + "a",
        "NVIDIA ".repeat(9000) + "is not compatible with the current PyTorch installation",
        "libcudnn".repeat(8000) + ": cannot open shared object file",
        "NVRM version: NVIDIA UNIX ".repeat(2500),
        "GPU 0: NVIDIA " + "(you have 2.".repeat(5000) + "    PyTorch 2.1.0+cu121 with CUDA 1201 (you have 2.1.0+cpu" + "a".repeat(60000) + ")");
    List<String> codes = List.of("LIBRARY_SHADOWED", "", "PTX_JIT_UNSUPPORTED", "NVCC_MISSING", "LIBRARY_SHADOWED", "NO_NVIDIA_DRIVER", "", "", "", "");
    for (int i = 0; i < inputs.size(); i++) {
      String in = inputs.get(i);
      Explanation e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> explain(List.of(line(in))), "input " + i);
      assertThat(e.matchesAbandoned()).as("input %s: a bundled pattern ran out of time", i).isZero();
      if (!codes.get(i).isEmpty()) {
        assertThat(e.causes()).as("input %s", i).extracting(Explanation.Cause::code).contains(codes.get(i));
      }
    }
  }

  @Test
  void everyLiteralBesideSixtyFourKilobytesOfEachFiller() throws Exception {
    List<byte[]> lines = new ArrayList<>();
    for (LogSignature s : KnowledgeBase.bundled().signatures()) {
      for (String literal : s.literal().split("\\|\\|")) {
        for (String f : FILLERS) {
          String pad = f.repeat(64 * 1024 / f.length());
          lines.add(line(literal + pad + "x"));
          lines.add(line(pad + literal + " " + pad));
        }
      }
    }
    Explanation e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> explain(lines));
    assertThat(e.lines()).isEqualTo(lines.size());
    assertThat(e.matchesAbandoned()).as("bundled patterns that ran out of time").isZero();
  }

  /** Each example with everything up to its literal repeated over 64 kB: a pattern that restarts at every copy is quadratic. */
  @Test
  void everyExampleWithItsOpeningRepeated() throws Exception {
    List<byte[]> lines = new ArrayList<>();
    for (LogSignature s : KnowledgeBase.bundled().signatures()) {
      for (String ex : s.examples()) {
        for (String literal : s.literal().split("\\|\\|")) {
          int at = ex.indexOf(literal);
          if (at >= 0 && !ex.contains("\n")) {
            String opening = ex.substring(0, at + literal.length());
            lines.add(line(opening.repeat(64 * 1024 / opening.length()) + ex.substring(at + literal.length())));
          }
        }
      }
    }
    Explanation e = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> explain(lines));
    assertThat(e.matchesAbandoned()).as("bundled patterns that ran out of time").isZero();
  }

  @Test
  void aPatternThatBacktracksIsGivenUpOnThatLineOnly() throws Exception {
    Path dir = Files.createTempDirectory("kb");
    try {
      // a catalog with one catastrophic pattern, as a user's --kb might hold (other tables come from the jar)
      String json = Files.readString(Path.of("src/main/resources/kb/signatures.json")).replace("\"pattern\": \"no kernel image is available for execution on the device\"",
          "\"pattern\": \"no kernel image is available *[ ]*[ ]*x\"");
      Files.writeString(dir.resolve("signatures.json"), json);
      String log = "no kernel image is available " + " ".repeat(3000) + "\nRuntimeError: Found no NVIDIA driver on your system\n";
      Explanation e = assertTimeoutPreemptively(Duration.ofSeconds(10),
          () -> new Explainer(KnowledgeBase.from(dir)).explain(List.of(new ByteArrayInputStream(log.getBytes(StandardCharsets.UTF_8)))));
      assertThat(e.matchesAbandoned()).isEqualTo(1);
      assertThat(e.causes()).extracting(Explanation.Cause::code).containsExactly("NO_NVIDIA_DRIVER");
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
