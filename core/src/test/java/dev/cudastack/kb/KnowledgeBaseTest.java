package dev.cudastack.kb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every KB row loads with an id, a source and a date; the facts agree with the real H100 capture. */
class KnowledgeBaseTest {
  private final KnowledgeBase kb = KnowledgeBase.bundled();

  @Test
  void everyRowHasAnIdASourceAndADate() throws Exception {
    assertThat(kb.checked()).isNotNull();
    Set<String> ids = new HashSet<>();
    for (KnowledgeBase.DriverBranch b : kb.driverBranches()) {
      assertThat(ids.add("driver:" + b.id())).as("duplicate id %s", b.id()).isTrue();
      assertThat(b.id()).isEqualTo("R" + b.branch());
      assertThat(Version.parse(b.maxCuda())).as(b.id()).isPresent();
      assertThat(b.source()).isNotBlank();
      assertThat(b.checked()).matches("\\d{4}-\\d{2}-\\d{2}");
    }
    for (KnowledgeBase.GpuModel g : kb.gpus()) {
      assertThat(ids.add("gpu:" + g.id())).as("duplicate id %s", g.id()).isTrue();
      assertThat(g.computeCapability()).as(g.name()).matches("\\d{1,2}\\.\\d");
      assertThat(g.source()).isNotBlank();
    }
    // Branches only move forward: a newer branch never supports less CUDA.
    Version last = Version.of("0");
    for (KnowledgeBase.DriverBranch b : kb.driverBranches()) {
      Version v = Version.of(b.maxCuda());
      assertThat(v.compareTo(last)).as(b.id()).isGreaterThanOrEqualTo(0);
      last = v;
    }
  }

  @Test
  void agreesWithTheH100CaptureAndTheSeedMachine() throws Exception {
    assertThat(kb.driver("580.159.04").branch().orElseThrow().maxCuda()).isEqualTo("13.0");
    assertThat(kb.driver("560.35.03").branch().orElseThrow().maxCuda()).isEqualTo("12.6");
    assertThat(kb.gpu("NVIDIA H100 80GB HBM3").orElseThrow().computeCapability()).isEqualTo("9.0");
    assertThat(kb.gpu("Tesla V100-SXM2-32GB").orElseThrow().computeCapability()).isEqualTo("7.0");
    assertThat(kb.gpu("NVIDIA GeForce RTX 5090").orElseThrow().computeCapability()).isEqualTo("12.0");
    assertThat(kb.gpu("NVIDIA T4").orElseThrow().computeCapability()).isEqualTo("7.5");
    assertThat(kb.gpu("NVIDIA GeForce RTX 3090 Ti").orElseThrow().match()).isEqualTo("RTX 3090 Ti");
    assertThat(kb.gpu("Matrox G200")).isEmpty();
  }

  @Test
  void toolkitsAndMinorVersionCompatibility() throws Exception {
    assertThat(kb.toolkit("12.6")).filteredOn(t -> t.update() == 2).singleElement()
        .satisfies(t -> assertThat(t.linuxMinDriver()).isEqualTo("560.35.03"));
    assertThat(kb.toolkit("13.0").getFirst().linuxMinDriver()).isEqualTo("580.65.06");
    for (KnowledgeBase.ToolkitRelease t : kb.toolkitReleases()) {
      assertThat(t.source()).isNotBlank();
      if (t.linuxMinDriver() != null) {
        assertThat(Version.parse(t.linuxMinDriver())).as(t.label()).isPresent();
      }
    }
    // torch cu124 on driver 535 runs by minor-version compatibility: not a too-old driver.
    assertThat(kb.runtimeOnDriver("12.4", "535.104.05").outcome()).isEqualTo(KnowledgeBase.Outcome.MINOR_COMPAT);
    assertThat(kb.runtimeOnDriver("12.1", "560.35.03").outcome()).isEqualTo(KnowledgeBase.Outcome.NATIVE);
    assertThat(kb.runtimeOnDriver("13.0", "560.35.03").outcome()).isEqualTo(KnowledgeBase.Outcome.TOO_OLD);
    assertThat(kb.runtimeOnDriver("12.8", "520.61.05").outcome()).isEqualTo(KnowledgeBase.Outcome.TOO_OLD);
    assertThat(kb.runtimeOnDriver("11.8", "450.80.02").outcome()).isEqualTo(KnowledgeBase.Outcome.MINOR_COMPAT);
    assertThat(kb.runtimeOnDriver("13.0", "580.159.04").outcome()).isEqualTo(KnowledgeBase.Outcome.NATIVE);
  }

  @Test
  void versionsItHasNeverSeenAreSaidSo() throws Exception {
    KnowledgeBase.DriverVerdict future = kb.driver("700.12.01");
    assertThat(future.newerThanKnown()).isTrue();
    assertThat(future.explanation()).contains("newer than any branch the knowledge base knows").contains("R615").contains("13.4");
    KnowledgeBase.DriverVerdict between = kb.driver("556.12");
    assertThat(between.branch().orElseThrow().id()).isEqualTo("R555");
    assertThat(between.explanation()).contains("no R556 branch is known");
    assertThat(kb.driver("390.157").branch()).isEmpty();
    assertThat(kb.driver("banana").explanation()).contains("not a driver version");
  }

  @Test
  void aKbDirectoryOverridesTheBundledTables(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("meta.json"), "{\"schemaVersion\": 1, \"checked\": \"2027-01-02\"}");
    Files.writeString(dir.resolve("driver-branches.json"), "{\"rows\": [{\"id\": \"R620\", \"branch\": 620, \"maxCuda\": \"13.5\", \"evidence\": \"OBSERVED\", \"source\": \"test\", \"checked\": \"2027-01-02\"}]}");
    KnowledgeBase updated = KnowledgeBase.from(dir);
    assertThat(updated.checked()).hasToString("2027-01-02");
    assertThat(updated.driver("620.1").branch().orElseThrow().maxCuda()).isEqualTo("13.5");
    assertThat(updated.gpu("NVIDIA H100 PCIe")).isPresent();
    Files.writeString(dir.resolve("gpus.json"), "{\"rows\": [{\"id\": \"x\"}]}");
    assertThatThrownBy(() -> KnowledgeBase.from(dir).gpus()).isInstanceOf(KbException.class).hasMessageContaining("missing or empty name");
  }
}
