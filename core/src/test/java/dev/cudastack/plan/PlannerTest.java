package dev.cudastack.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.kb.ArchList;
import dev.cudastack.kb.Bnb;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.Torch;
import dev.cudastack.kb.Version;
import dev.cudastack.kb.VersionRange;
import dev.cudastack.model.Inspection;
import dev.cudastack.model.Snapshot;
import dev.cudastack.probe.EnvFile;
import dev.cudastack.probe.Machine;
import dev.cudastack.probe.SnapshotTaker;
import dev.cudastack.testing.Scenario;
import dev.cudastack.testing.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Plans for the four real projects in ../shared/projects on the seed tree and on described machines:
 * the named cases, then invariants over every project × target (the chosen torch runs on the
 * driver and has code for every GPU, every chosen version is in the knowledge base, the Python fits,
 * bitsandbytes ships the chosen CUDA's binary).
 */
class PlannerTest {
  private static final KnowledgeBase KB = KnowledgeBase.bundled();
  private static final Path MOELORA = Shared.dir().resolve("projects/liuqidong07__MOELoRA-peft");

  static Target seedMachine() throws Exception {
    Path dir = Shared.scenario("seed-case");
    Machine m = Machine.rooted(dir.resolve("root"), EnvFile.parse(Files.readString(dir.resolve("ENV"))), Duration.ofSeconds(2));
    Snapshot s = new SnapshotTaker(Scenario.CLOCK, "cudastack test").take(m, Inspection.root("scenarios/seed-case/root", "ENV"));
    return Target.of(s, KB, null);
  }

  static Plan.Entry entry(Plan p, String name) {
    return p.stack().stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no " + name + " in " + p.stack()));
  }

  static Plan.Verdict verdict(Plan p, String name) {
    return p.verdicts().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no verdict for " + name));
  }

  static Torch.Variant variant(Plan.Entry torch) throws Exception {
    Torch.Match m = KB.torch(torch.version()).orElseThrow();
    return m.release().variant(torch.variant()).orElseThrow();
  }

  @Test
  void moeloraOnTheSeedMachineGetsACuda12TorchWithVoltaKernelsAndCuda126First() throws Exception {
    Target t = seedMachine();
    assertThat(t.gpus()).extracting(Target.Gpu::cc).containsOnly(70);
    assertThat(t.toolkits()).extracting(Target.Toolkit::release).contains("10.1", "12.6");
    Plan p = new Planner(KB).plan(ProjectReader.read(MOELORA), t, Planner.Options.defaults());

    Plan.Verdict torchAsWritten = verdict(p, "torch");
    assertThat(torchAsWritten.ok()).isFalse();
    assertThat(torchAsWritten.codes()).contains("PIN_NEEDS_INDEX", "BNB_BINARY_MISSING");
    assertThat(torchAsWritten.why()).contains("cu102").contains("libbitsandbytes_cuda102.so");

    Plan.Entry torch = entry(p, "torch");
    assertThat(torch.changed()).isTrue();
    assertThat(torch.variant()).startsWith("cu12");
    Torch.Variant v = variant(torch);
    assertThat(v.archList().orElseThrow().fit(70)).isEqualTo(ArchList.Fit.EXACT);
    assertThat(Version.of(v.cudaVersion()).compareTo(Version.of("12.6"))).isLessThanOrEqualTo(0);
    assertThat(torch.indexUrl()).isEqualTo("https://download.pytorch.org/whl/" + torch.variant());
    assertThat(torch.reason()).contains("sm_70").contains("560.35.03");

    Plan.Entry bnb = entry(p, "bitsandbytes");
    assertThat(bnb.changed()).isTrue();
    String digits = torch.variant().substring(2);
    assertThat(bnb.variant()).isEqualTo("cuda" + digits);
    Bnb.Release release = KB.bnb(bnb.version().replace("==", "").replace(".*", ".0")).orElseThrow();
    assertThat(release.binaries()).contains(digits);
    assertThat(verdict(p, "bitsandbytes").codes()).containsExactly("BNB_BINARY_MISSING");
    assertThat(verdict(p, "bitsandbytes").why()).as("judged as written: with torch's cu102").contains("libbitsandbytes_cuda102.so");
    assertThat(verdict(p, "torchvision").ok()).as("0.13.0 goes with the pinned 1.12.0").isTrue();

    assertThat(p.env()).first().asString().isEqualTo("export PATH=/usr/local/cuda-12.6/bin:$PATH");
    assertThat(p.env()).contains("export CUDA_HOME=/usr/local/cuda-12.6");
    assertThat(p.commands()).anyMatch(c -> c.startsWith("pip install torch==" + torch.version()) && c.endsWith("--index-url " + torch.indexUrl()));
    // companions follow torch; packages the KB does not cover are kept and marked
    assertThat(entry(p, "torchvision").reason()).contains(torch.version());
    assertThat(entry(p, "transformers").checked()).isFalse();
    assertThat(entry(p, "transformers").version()).isEqualTo("4.28.1");
    assertThat(p.verdicts().stream().filter(x -> x.name().equals("deepspeed")).count()).as("listed in two files, judged once").isEqualTo(1);
  }

  @Test
  void h100OnDriver535NeedsTorch2WithCuda118OrLater() throws Exception {
    Plan p = new Planner(KB).plan(ProjectReader.read(MOELORA), Target.describe(List.of("H100"), "535.104.05", "3.10", List.of(), KB), Planner.Options.defaults());
    Plan.Entry torch = entry(p, "torch");
    assertThat(Version.of(torch.version()).major()).isGreaterThanOrEqualTo(2);
    assertThat(Version.of(Torch.cudaOf(torch.variant())).compareTo(Version.of("11.8"))).isGreaterThanOrEqualTo(0);
    assertThat(variant(torch).archList().orElseThrow().fit(90)).isEqualTo(ArchList.Fit.EXACT);
    assertThat(verdict(p, "torch").codes()).contains("GPU_ARCH_NOT_IN_BUILD");
    // No toolkit described: DeepSpeed's ops need an nvcc, and the plan says how to get one
    assertThat(verdict(p, "deepspeed").codes()).contains("NVCC_MISSING");
    assertThat(p.commands()).anyMatch(c -> c.contains("cuda-toolkit=" + Torch.cudaOf(torch.variant())));
  }

  @Test
  void rtx5090OnDriver570GetsACuda128BuildOfTorch27OrLater() throws Exception {
    Plan p = new Planner(KB).plan(ProjectReader.read(MOELORA), Target.describe(List.of("RTX 5090"), "570.86.10", "3.10", List.of(), KB), Planner.Options.defaults());
    Plan.Entry torch = entry(p, "torch");
    assertThat(torch.variant()).isEqualTo("cu128");
    assertThat(Version.of(torch.version()).compareTo(Version.of("2.7"))).isGreaterThanOrEqualTo(0);
    assertThat(variant(torch).archList().orElseThrow().fit(120)).isEqualTo(ArchList.Fit.EXACT);
  }

  @Test
  void v100OnDriver580IsNotGivenACuda13Build() throws Exception {
    for (String python : List.of("3.9", "3.10", "3.12")) {
      for (Planner.Options o : List.of(Planner.Options.defaults(), new Planner.Options(false, true, null, false))) {
        Plan p = new Planner(KB).plan(ProjectReader.read(MOELORA), Target.describe(List.of("V100"), "580.65.06", python, List.of("12.6"), KB), o);
        Plan.Entry torch = entry(p, "torch");
        assertThat(Version.of(Torch.cudaOf(torch.variant())).major()).as("python %s newest %s", python, o.newest()).isLessThan(13);
        assertThat(variant(torch).archList().orElseThrow().fit(70)).isEqualTo(ArchList.Fit.EXACT);
      }
    }
  }

  @Test
  void aForcedVariantThatCannotRunIsRefusedNotChosen() throws Exception {
    Plan p = new Planner(KB).plan(ProjectReader.read(MOELORA), Target.describe(List.of("V100"), "580.65.06", "3.11", List.of(), KB), new Planner.Options(false, false, "cu130", false));
    assertThat(p.stack()).filteredOn(e -> e.name().equals("torch")).allMatch(e -> !e.checked() || !"cu130".equals(e.variant()));
    assertThat(p.notes()).anyMatch(n -> n.contains("no official torch build"));
  }

  @Test
  void aPinThatRunsIsKeptAndTheVerdictSaysSo() throws Exception {
    Path req = Files.createTempFile("plan", ".txt");
    try {
      Files.writeString(req, "torch==2.5.1\ntransformers==4.46.0\n");
      Plan p = new Planner(KB).plan(ProjectReader.read(req), Target.describe(List.of("A100"), "550.54.15", "3.11", List.of(), KB), Planner.Options.defaults());
      assertThat(verdict(p, "torch").ok()).isTrue();
      assertThat(entry(p, "torch").changed()).isFalse();
      assertThat(entry(p, "torch").version()).isEqualTo("2.5.1");
    } finally {
      Files.deleteIfExists(req);
    }
  }

  @Test
  void aCpuOrRocmPinOnAnNvidiaTargetIsNamedAndReplacedByTheNearestCudaBuild(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Target a100 = Target.describe(List.of("A100"), "535.104.05", "3.10", List.of(), KB);
    for (String pin : List.of("torch==2.1.0+cpu", "torch==2.1.0+rocm5.6")) {
      Path req = dir.resolve("requirements.txt");
      Files.writeString(req, pin + "\n");
      Plan p = new Planner(KB).plan(ProjectReader.read(req), a100, Planner.Options.defaults());
      assertThat(verdict(p, "torch").ok()).as(pin).isFalse();
      assertThat(verdict(p, "torch").codes()).as(pin).containsExactly("TORCH_CPU_ONLY");
      assertThat(verdict(p, "torch").why()).as(pin).contains(pin.contains("rocm") ? "ROCm" : "CPU-only");
      Plan.Entry torch = entry(p, "torch");
      assertThat(torch.changed()).isTrue();
      assertThat(torch.version()).as(pin).startsWith("2.1.");
      assertThat(Torch.cudaOf(torch.variant())).as(pin).isNotNull();
      assertThat(variant(torch).archList().orElseThrow().fit(80)).isNotEqualTo(ArchList.Fit.NONE);
    }
    // its companions built for the CPU torch are named too, and replaced
    Files.writeString(dir.resolve("requirements.txt"), "torch==2.1.0+cpu\ntorchvision==0.16.0+cpu\n");
    Plan both = new Planner(KB).plan(ProjectReader.read(dir.resolve("requirements.txt")), a100, Planner.Options.defaults());
    assertThat(verdict(both, "torchvision").ok()).isFalse();
    assertThat(verdict(both, "torchvision").codes()).containsExactly("TORCH_CPU_ONLY");
    assertThat(verdict(both, "torchvision").spec()).isEqualTo("==0.16.0+cpu");
    assertThat(entry(both, "torchvision").changed()).isTrue();
    // a CPU companion of the very release the plan keeps is still a change to make
    Files.writeString(dir.resolve("requirements.txt"), "torch==2.1.2\ntorchvision==0.16.2+cpu\n");
    Plan same = new Planner(KB).plan(ProjectReader.read(dir.resolve("requirements.txt")), a100, Planner.Options.defaults());
    assertThat(entry(same, "torchvision").changed()).isTrue();
    assertThat(same.commands()).anyMatch(c -> c.startsWith("# first change these pins") && c.contains("torchvision==0.16.2+cpu"));
    // Without a GPU or a driver on the target, a CPU build is what it can run: kept
    Files.writeString(dir.resolve("requirements.txt"), "torch==2.1.0+cpu\n");
    Plan none = new Planner(KB).plan(ProjectReader.read(dir.resolve("requirements.txt")), Target.describe(List.of(), null, "3.10", List.of(), KB), Planner.Options.defaults());
    assertThat(verdict(none, "torch").codes()).doesNotContain("TORCH_CPU_ONLY");
  }

  @Test
  void aWheelUrlPinIsJudgedByTheVersionItsFileNameCarries(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path req = dir.resolve("requirements.txt");
    Files.writeString(req, "torch @ https://download.pytorch.org/whl/cu117/torch-2.0.1%2Bcu117-cp310-cp310-linux_x86_64.whl\n");
    Plan p = new Planner(KB).plan(ProjectReader.read(req), Target.describe(List.of("H100"), "535.104.05", "3.10", List.of(), KB), Planner.Options.defaults());
    assertThat(verdict(p, "torch").codes()).contains("GPU_ARCH_NOT_IN_BUILD").doesNotContain("PIN_NEEDS_INDEX");
    assertThat(variant(entry(p, "torch")).archList().orElseThrow().fit(90)).isEqualTo(ArchList.Fit.EXACT);
    Files.writeString(req, "torch @ https://download.pytorch.org/whl/cu118/torch-2.0.1%2Bcu118-cp310-cp310-linux_x86_64.whl\n");
    Plan kept = new Planner(KB).plan(ProjectReader.read(req), Target.describe(List.of("H100"), "535.104.05", "3.10", List.of(), KB), Planner.Options.defaults());
    assertThat(verdict(kept, "torch").ok()).isTrue();
    assertThat(entry(kept, "torch").changed()).isFalse();
  }

  @Test
  void aBitsandbytesRangeIsHonouredAndAnUnknownPinIsKeptUnchecked() throws Exception {
    Path req = Files.createTempFile("plan", ".txt");
    try {
      Target a100 = Target.describe(List.of("A100"), "535.104.05", "3.11", List.of(), KB);
      Files.writeString(req, "torch==2.5.1\nbitsandbytes>=0.39,<0.44\n");
      Plan p = new Planner(KB).plan(ProjectReader.read(req), a100, Planner.Options.defaults());
      Plan.Entry bnb = entry(p, "bitsandbytes");
      assertThat(bnb.version()).startsWith("==0.43");
      assertThat(verdict(p, "bitsandbytes").ok()).isTrue();
      Files.writeString(req, "torch==2.5.1\nbitsandbytes==0.99.1\n");
      Plan unknown = new Planner(KB).plan(ProjectReader.read(req), a100, Planner.Options.defaults());
      assertThat(entry(unknown, "bitsandbytes").checked()).isFalse();
      assertThat(entry(unknown, "bitsandbytes").version()).isEqualTo("0.99.1");
      assertThat(entry(unknown, "bitsandbytes").changed()).isFalse();
    } finally {
      Files.deleteIfExists(req);
    }
  }

  @Test
  void aDriverOlderThanTheGpuAndARangeNothingFitsAreSaidNotHidden() throws Exception {
    Path req = Files.createTempFile("plan", ".txt");
    try {
      Files.writeString(req, "torch>=2.0,<2.1\nbitsandbytes\n");
      Plan old = new Planner(KB).plan(ProjectReader.read(req), Target.describe(List.of("RTX 5090"), "535.104.05", "3.11", List.of(), KB), Planner.Options.defaults());
      assertThat(old.notes()).anyMatch(n -> n.contains("predates") && n.contains("sm_120"));
      assertThat(old.stack()).filteredOn(e -> e.name().equals("torch")).allMatch(e -> !e.checked());
      assertThat(verdict(old, "torch").ok()).isFalse();
      assertThat(verdict(old, "torch").codes()).containsExactly("NO_MATCHING_BUILD");
      assertThat(entry(old, "bitsandbytes").checked()).isFalse();
      Plan py312 = new Planner(KB).plan(ProjectReader.read(req), Target.describe(List.of("A100"), "535.104.05", "3.12", List.of(), KB), Planner.Options.defaults());
      assertThat(verdict(py312, "torch").ok()).as("torch 2.0 has no Python 3.12 wheels").isFalse();
      assertThat(verdict(py312, "torch").why()).contains("the plan leaves the range");
    } finally {
      Files.deleteIfExists(req);
    }
  }

  @Test
  void changedProjectPinsAreNamedBeforeTheConstrainedInstall() throws Exception {
    Plan p = new Planner(KB).plan(ProjectReader.read(MOELORA.resolve("requirements.txt")), Target.describe(List.of("H100"), "535.104.05", "3.10", List.of("11.8"), KB),
        Planner.Options.defaults());
    int edit = -1;
    int install = -1;
    for (int i = 0; i < p.commands().size(); i++) {
      if (p.commands().get(i).startsWith("# first change these pins")) {
        edit = i;
      }
      if (p.commands().get(i).startsWith("pip install -r requirements.txt -c constraints.txt")) {
        install = i;
      }
    }
    assertThat(edit).isGreaterThanOrEqualTo(0).isLessThan(install);
    assertThat(p.commands().get(edit)).contains("torch==1.12.0+cu102 (requirements.txt:26)");
  }

  @Test
  void aRangeThatAlreadyAdmitsThePlannedVersionIsNotNamedForEditing() throws Exception {
    Plan p = new Planner(KB).plan(ProjectReader.read(Path.of("src/test/fixtures/plan/uv-poetry-pyproject.toml")),
        Target.describe(List.of("A100"), "550.54.15", "3.10", List.of(), KB), Planner.Options.defaults());
    Plan.Entry bnb = entry(p, "bitsandbytes");
    assertThat(bnb.changed()).isTrue();
    assertThat(VersionRange.parse(">=0.45").orElseThrow().contains(Version.of(bnb.version().replace("==", "").replace(".*", "")))).isTrue();
    assertThat(p.commands()).noneMatch(c -> c.startsWith("# first change these pins"));
    assertThat(entry(p, "torch").indexUrl()).isEqualTo("https://download.pytorch.org/whl/cu124");
    assertThat(verdict(p, "torch").codes()).as("the uv/Poetry index serves the pin").doesNotContain("PIN_NEEDS_INDEX");
  }

  @Test
  void requiresPythonNarrowsTorchWhenThePythonIsUnknownAndPinnedFlashAttnIsJudgedByItsOwnWheels() throws Exception {
    Path dir = Files.createTempDirectory("plan");
    try {
      Files.writeString(dir.resolve("pyproject.toml"), "[project]\nname = \"x\"\nrequires-python = \">=3.14\"\ndependencies = [\"torch>=2.0\"]\n");
      Plan p = new Planner(KB).plan(ProjectReader.read(dir.resolve("pyproject.toml")), Target.describe(List.of("A100"), "580.65.06", null, List.of(), KB),
          Planner.Options.defaults());
      Torch.Match m = KB.torch(entry(p, "torch").version()).orElseThrow();
      assertThat(m.release().supportsPython(m.patch().orElseThrow(), "3.14")).as("torch %s must have 3.14 wheels", entry(p, "torch").version()).isTrue();

      Files.writeString(dir.resolve("requirements.txt"), "--index-url https://download.pytorch.org/whl/cu121/\ntorch==2.3.1+cu121\nflash-attn==2.5.8\n");
      Plan fa = new Planner(KB).plan(ProjectReader.read(dir.resolve("requirements.txt")), Target.describe(List.of("A100"), "550.54.15", "3.10", List.of(), KB),
          Planner.Options.defaults());
      assertThat(verdict(fa, "torch").codes()).as("the index ends with a slash").doesNotContain("PIN_NEEDS_INDEX");
      assertThat(verdict(fa, "flash-attn").why()).contains("flash-attn >=2.5.8,<2.6");
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  @Test
  void noBuildRulesOutApexAndSaysWhatDeepSpeedWillCompileLater() throws Exception {
    Target a100 = Target.describe(List.of("A100"), "550.54.15", "3.10", List.of("12.4"), KB);
    Plan built = new Planner(KB).plan(ProjectReader.read(MOELORA.resolve("requirements.txt")), a100, Planner.Options.defaults());
    Plan none = new Planner(KB).plan(ProjectReader.read(MOELORA.resolve("requirements.txt")), a100, new Planner.Options(false, false, null, true));
    assertThat(verdict(none, "apex").ok()).isFalse();
    assertThat(verdict(none, "apex").why()).contains("--no-build");
    assertThat(verdict(none, "deepspeed").why()).contains("at first use");
    assertThat(verdict(built, "deepspeed").why()).doesNotContain("--no-build");
  }

  static Stream<Arguments> projectsAndTargets() {
    List<String> projects = List.of("liuqidong07__MOELoRA-peft", "artidoro__qlora", "tloen__alpaca-lora", "hiyouga__LLaMA-Factory", "hiyouga__LLaMA-Factory/v0.9.3",
        "hiyouga__LLaMA-Factory/v0.3.0", "hiyouga__LLaMA-Factory/v0.1.0", "liuqidong07__MOELoRA-peft/environment.yml");
    List<Object[]> targets = List.of(
        new Object[] {List.of("V100"), "560.35.03", "3.9", List.of("10.1", "12.6")},
        new Object[] {List.of("H100"), "535.104.05", "3.10", List.of()},
        new Object[] {List.of("RTX 5090"), "570.86.10", "3.11", List.of("12.8")},
        new Object[] {List.of("V100"), "580.65.06", "3.12", List.of("13.0")},
        new Object[] {List.of("A100", "A100"), "525.60.13", "3.10", List.of("11.8")},
        new Object[] {List.of("RTX 4090"), "550.54.15", "3.11", List.of("12.4")},
        new Object[] {List.of("T4"), "470.82.01", "3.8", List.of()},
        new Object[] {List.of("H200"), "590.44.01", "3.12", List.of("13.1")});
    List<Arguments> out = new ArrayList<>();
    for (String p : projects) {
      for (Object[] t : targets) {
        out.add(Arguments.of(p, t[0], t[1], t[2], t[3]));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} on {1} driver {2} python {3}")
  @MethodSource("projectsAndTargets")
  void everyPlanKeepsTheInvariants(String project, List<String> gpus, String driver, String python, List<String> toolkits) throws Exception {
    Target t = Target.describe(gpus, driver, python, toolkits, KB);
    Plan p = new Planner(KB).plan(ProjectReader.read(Shared.dir().resolve("projects").resolve(project)), t, Planner.Options.defaults());
    Optional<Plan.Entry> torch = p.stack().stream().filter(e -> e.name().equals("torch") && e.checked()).findFirst();
    if (torch.isEmpty()) {
      assertThat(p.notes()).as("no torch chosen must be said").anyMatch(n -> n.contains("no official torch build"));
      return;
    }
    Torch.Match m = KB.torch(torch.get().version()).orElseThrow(() -> new AssertionError("torch " + torch.get().version() + " not in the KB"));
    Torch.Variant v = m.release().variant(torch.get().variant()).orElseThrow();
    assertThat(m.release().supportsPython(m.patch().orElseThrow(), python)).as("python %s for torch %s", python, torch.get().version()).isTrue();
    KnowledgeBase.Outcome runs = Version.of(v.cudaVersion()).compareTo(Version.of(t.driverMaxCuda())) <= 0 ? KnowledgeBase.Outcome.NATIVE
        : KB.runtimeOnDriver(v.cudaVersion(), driver).outcome();
    assertThat(runs).as("CUDA %s on driver %s", v.cudaVersion(), driver).isIn(KnowledgeBase.Outcome.NATIVE, KnowledgeBase.Outcome.MINOR_COMPAT);
    for (Target.Gpu g : t.gpus()) {
      assertThat(v.archList().orElseThrow().fit(g.cc())).as("sm_%d in %s+%s", g.cc(), torch.get().version(), v.cuda()).isNotEqualTo(ArchList.Fit.NONE);
    }
    for (Plan.Entry e : p.stack()) {
      if (e.changed()) {
        assertThat(e.reason()).as("reason for %s", e.name()).isNotBlank();
      }
      if (e.name().equals("bitsandbytes") && e.checked()) {
        String version = e.version().replace("==", "").replace(".*", ".0");
        Bnb.Release b = KB.bnb(version).orElseThrow(() -> new AssertionError("bitsandbytes " + version + " not in the KB"));
        assertThat(b.binaries()).as("bitsandbytes %s binaries", version).contains(e.variant().replace("cuda", ""));
      }
      if ((e.name().equals("torchvision") || e.name().equals("torchaudio")) && e.checked()) {
        assertThat(e.version()).isEqualTo(e.name().equals("torchvision") ? m.patch().get().torchvision() : m.patch().get().torchaudio());
      }
    }
    if (!t.toolkits().isEmpty() && p.stack().stream().anyMatch(e -> List.of("deepspeed", "apex", "flash-attn", "xformers").contains(e.name()))
        && Planner.toolkitFor(t, v.cudaVersion()) != null) {
      assertThat(p.env()).anyMatch(l -> l.contains("CUDA " + Planner.toolkitFor(t, v.cudaVersion()).release()));
    }
  }
}
