package dev.cudastack.kb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.json.Json;
import dev.cudastack.testing.Shared;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The tables beyond drivers and GPUs: every row loads into its record with a unique id, readable
 * versions and ranges, a source and a date; and the facts agree with the real H100 capture and
 * the sourced spot checks the issue names.
 */
class KnowledgeBaseTablesTest {
  private final KnowledgeBase kb = KnowledgeBase.bundled();

  @Test
  void everyTableInMetaExistsAndEveryRowIsSourcedAndDated() throws Exception {
    Map<?, ?> meta = (Map<?, ?>) Json.parse(resource("meta.json"));
    List<?> tables = (List<?>) meta.get("tables");
    assertThat(tables).hasSize(13);
    for (Object t : tables) {
      Map<?, ?> table = (Map<?, ?>) Json.parse(resource((String) t));
      assertThat(table.get("checked")).as(t.toString()).asString().matches("\\d{4}-\\d{2}-\\d{2}");
      for (Object section : table.values()) {
        if (!(section instanceof List<?> rows)) {
          continue;
        }
        Set<String> ids = new HashSet<>();
        for (Object o : rows) {
          Map<?, ?> row = (Map<?, ?>) o;
          assertThat(row.get("source")).as("%s %s source", t, row.get("id")).asString().isNotBlank();
          if (row.containsKey("id")) {
            assertThat(ids.add((String) row.get("id"))).as("%s: duplicate id %s", t, row.get("id")).isTrue();
          }
          if (row.containsKey("checked")) {
            assertThat(row.get("checked")).asString().matches("\\d{4}-\\d{2}-\\d{2}");
          }
        }
      }
    }
  }

  @Test
  void typedRowsHaveReadableVersionsRangesAndArchLists() throws Exception {
    for (KnowledgeBase.ToolkitArchs a : kb.toolkitArchs()) {
      assertThat(Version.parse(a.from())).as(a.id()).isPresent();
      assertThat(Version.parse(a.to())).as(a.id()).isPresent();
      assertThat(a.numbers()).as(a.id()).isNotEmpty().isSorted();
      assertThat(a.checked()).isNotBlank();
    }
    // The rows cover every minor from 9.0 to 13.4 without gaps or overlaps.
    List<KnowledgeBase.ToolkitArchs> rows = kb.toolkitArchs();
    for (int i = 1; i < rows.size(); i++) {
      Version prevTo = Version.of(rows.get(i - 1).to());
      Version from = Version.of(rows.get(i).from());
      boolean next = from.major() == prevTo.major() ? from.minor() == prevTo.minor() + 1 : from.major() == prevTo.major() + 1 && from.minor() == 0;
      assertThat(next).as("%s follows %s", rows.get(i).id(), rows.get(i - 1).id()).isTrue();
    }
    for (KnowledgeBase.HostCompilerLimit h : kb.hostCompilers()) {
      assertThat(h.gccMax()).as(h.id()).isNotNull().isBetween(4, 30);
      assertThat(h.clangMax()).as(h.id()).isNotNull().isBetween(3, 40);
    }
    for (KnowledgeBase.CudnnRelease c : kb.cudnnReleases()) {
      assertThat(VersionRange.parse(c.versions())).as(c.id()).isPresent();
      assertThat(c.builds()).as(c.id()).isNotEmpty().allSatisfy(b -> assertThat(VersionRange.parse(b.cuda())).isPresent());
    }
    Pattern variant = Pattern.compile("cu\\d{2,3}");
    for (Torch.Release r : kb.torchReleases()) {
      assertThat(VersionRange.parse(r.python())).as(r.id()).isPresent();
      assertThat(r.patches()).as(r.id()).isNotEmpty().allSatisfy(p -> {
        assertThat(p.version()).startsWith(r.release() + ".");
        assertThat(Version.parse(p.torchvision())).isPresent();
        assertThat(Version.parse(p.torchaudio())).isPresent();
      });
      assertThat(r.variants()).as(r.id()).isNotEmpty().allSatisfy(v -> {
        assertThat(v.cuda()).matches(variant);
        assertThat(v.archList()).as(r.id() + " " + v.cuda()).isPresent();
        assertThat(v.archSource()).isNotBlank();
      });
      if (r.pypiDefault() != null) {
        assertThat(r.variant(r.pypiDefault())).as(r.id() + " default").isPresent();
      }
    }
    for (Bnb.Release b : kb.bnbReleases()) {
      assertThat(VersionRange.parse(b.versions())).as(b.id()).isPresent();
      assertThat(b.selection()).isIn("libcudart", "torch");
      assertThat(b.fallback()).isIn("cpu-quiet", "cpu-warning", "error", "error-deferred");
      assertThat(b.binaries()).allSatisfy(d -> assertThat(d).matches("\\d{2,3}"));
      assertThat(b.minCc()).containsKey("int8");
    }
    for (Gates.DeepSpeedAllowList d : kb.deepspeedAllowLists()) {
      assertThat(VersionRange.parse(d.versions())).as(d.id()).isPresent();
    }
  }

  @Test
  void agreesWithTheH100Capture() throws Exception {
    // torch-truth.txt: what torch 2.11.0+cu130 itself printed on the H100.
    String truth = Files.readString(Shared.capture("torch-truth.txt"));
    Matcher arch = Pattern.compile("arch_list \\[(.*)]").matcher(truth);
    assertThat(arch.find()).isTrue();
    ArchList printed = ArchList.parse(arch.group(1).replace("'", "")).orElseThrow();
    Torch.Match m = kb.torch("2.11.0+cu130").orElseThrow();
    ArchList kbArchs = m.variant().orElseThrow().archList().orElseThrow();
    assertThat(kbArchs.sass()).isEqualTo(printed.sass());
    assertThat(kbArchs.ptx()).isEqualTo(printed.ptx());
    assertThat(kbArchs.names()).isEqualTo("sm_75, sm_80, sm_86, sm_90, sm_100, sm_120");
    assertThat(truth).contains("cudnn 91900");
    assertThat(m.variant().get().cudnn()).isEqualTo("9.19.0.56");
    // The wheel's own METADATA pins the same cuDNN the KB lists.
    Path metadata = Shared.fixture("h100").resolve("root/opt/torch/.venv/lib/python3.12/site-packages/torch-2.11.0.dist-info/METADATA");
    String requires = Files.readString(metadata);
    assertThat(m.variant().get().pins()).contains("nvidia-cudnn-cu13==9.19.0.56");
    for (String pin : m.variant().get().pins()) {
      assertThat(requires).as(pin).contains("Requires-Dist: " + pin.split("[=<>]")[0]);
    }
    assertThat(requires).contains("nvidia-cudnn-cu13==9.19.0.56");
    assertThat(m.release().patch("2.11.0").orElseThrow().torchvision()).isEqualTo("0.26.0");
    // The capture's GPU and driver.
    assertThat(kb.gpu("NVIDIA H100 80GB HBM3").orElseThrow().computeCapability()).isEqualTo("9.0");
    assertThat(kb.driver("580.159.04").branch().orElseThrow().maxCuda()).isEqualTo("13.0");
    assertThat(kbArchs.fit(90)).isEqualTo(ArchList.Fit.EXACT);
    // CUDA 13.0's host_config.h: gcc later than 15 is refused; the capture's gcc 13.3 passes.
    assertThat(Files.readString(Shared.capture("gcc.txt"))).contains("13.3.0");
    KnowledgeBase.CompilerLimit cl = kb.hostCompiler("13.0").orElseThrow();
    assertThat(cl.exact()).isTrue();
    assertThat(cl.row().gccMax()).isEqualTo(15);
    assertThat(cl.row().clangMax()).isEqualTo(20);
    assertThat(kb.archVerdict("13.0", 90).outcome()).isEqualTo(KnowledgeBase.ArchOutcome.SUPPORTED);
  }

  @Test
  void spotChecksAgainstTheSourcedTables() throws Exception {
    assertThat(kb.toolkit("12.6")).filteredOn(t -> t.update() == 2).singleElement()
        .satisfies(t -> assertThat(t.linuxMinDriver()).isEqualTo("560.35.03"));
    Torch.Match t251 = kb.torch("2.5.1").orElseThrow();
    assertThat(t251.release().variantsOf(t251.patch().orElseThrow())).extracting(Torch.Variant::cuda).containsExactly("cu118", "cu121", "cu124");
    assertThat(t251.patch().get().torchvision()).isEqualTo("0.20.1");
    assertThat(t251.release().supportsPython(t251.patch().get(), "3.12.4")).isTrue();
    assertThat(t251.release().supportsPython(t251.patch().get(), "3.13.0")).isFalse();
    assertThat(t251.release().supportsPython(t251.patch().get(), "3.8.10")).isFalse();
    Torch.Match t171 = kb.torch("1.7.1").orElseThrow();
    assertThat(t171.release().supportsPython(t171.patch().orElseThrow(), "3.9.1")).isTrue();
    assertThat(t171.release().supportsPython(t171.release().patch("1.7.0").orElseThrow(), "3.9.1")).isFalse();
    assertThat(Torch.indexUrl(t251.patch().get(), t251.release().variant("cu121").orElseThrow())).isEqualTo("https://download.pytorch.org/whl/cu121");
    // The motivating case: torch 1.12.0+cu102 exists only on the cu102 index; 1.8.2 is the LTS index.
    Torch.Match t112 = kb.torch("1.12.0+cu102").orElseThrow();
    assertThat(t112.variant()).map(Torch.Variant::cudaVersion).contains("10.2");
    Torch.Match lts = kb.torch("1.8.2+cu111").orElseThrow();
    assertThat(Torch.indexUrl(lts.patch().orElseThrow(), lts.variant().orElseThrow())).isEqualTo("https://download.pytorch.org/whl/lts/1.8/cu111");
    // bitsandbytes 0.41.1 ships no CUDA 10 binary; 0.35 had cuda102 (nocublaslt only).
    Bnb.Release b0411 = kb.bnb("0.41.1").orElseThrow();
    assertThat(b0411.binaries()).noneMatch(d -> d.startsWith("10")).contains("121").doesNotContain("126");
    assertThat(b0411.selection()).isEqualTo("torch");
    assertThat(kb.bnb("0.35.0").orElseThrow().binaries()).contains("102");
    assertThat(kb.bnb("0.50.0").orElseThrow().binaries()).containsExactly("118", "121", "124", "126", "128", "130", "132");
    assertThat(kb.bnb("0.39.1").orElseThrow().selection()).isEqualTo("libcudart");
    assertThat(kb.bnb("0.20.0")).isEmpty();
    // DeepSpeed has no 13.x allow-list: nvcc 13.2 with torch cu130 fails at every version.
    for (Gates.DeepSpeedAllowList d : kb.deepspeedAllowLists()) {
      assertThat(d.allow()).as(d.id()).doesNotContainKey("13");
      assertThat(d.accepts("13.2", "13.0")).isFalse();
      assertThat(d.accepts("13.0", "13.0")).isTrue();
      assertThat(d.accepts("12.1", "11.8")).isFalse();
    }
    assertThat(kb.deepspeed("0.9.4").orElseThrow().accepts("12.1", "12.0")).isTrue();
    assertThat(kb.deepspeed("0.9.2").orElseThrow().accepts("12.1", "12.0")).isFalse();
    assertThat(kb.deepspeed("0.19.5").orElseThrow().accepts("12.9", "12.8")).isTrue();
    assertThat(kb.deepspeed("0.15.0").orElseThrow().accepts("12.6", "12.4")).isFalse();
    // nvcc 10.1's host_config.h refuses gcc later than 8 (the seed machine's gcc 11 is too new).
    assertThat(kb.hostCompiler("10.1").orElseThrow().row().gccMax()).isEqualTo(8);
    assertThat(kb.gate("apex").orElseThrow().rule()).contains("exactly");
    assertThat(kb.maxPtxIsa("12.6")).contains("8.5");
    assertThat(kb.maxPtxIsa("13.0")).contains("9.0");
    assertThat(kb.maxPtxIsa("14.2")).contains("9.2");
    assertThat(kb.maxPtxIsa("10.2")).isEmpty();
    // Minor-version compatibility's limit (no JIT of newer PTX: 222) and forward compatibility's two errors.
    assertThat(kb.minorCompatCaveats()).extracting(KnowledgeBase.MinorCompatCaveat::errorCode).contains(222, 36);
    assertThat(kb.forwardCompat()).extracting(KnowledgeBase.ForwardCompatFact::errorCode).contains(803, 804);
    assertThat(kb.forwardCompat()).filteredOn(f -> f.id().equals("segments")).singleElement()
        .satisfies(f -> assertThat(f.segments()).containsExactly("datacenter", "jetson"));
  }

  @Test
  void reasonsAboutArchitecturesAndVersionsItHasNotSeen() throws Exception {
    assertThat(kb.archVerdict("13.0", 70).outcome()).isEqualTo(KnowledgeBase.ArchOutcome.TOO_OLD);
    assertThat(kb.archVerdict("12.4", 35).outcome()).isEqualTo(KnowledgeBase.ArchOutcome.TOO_OLD);
    assertThat(kb.archVerdict("11.8", 35).outcome()).isEqualTo(KnowledgeBase.ArchOutcome.SUPPORTED);
    assertThat(kb.archVerdict("11.7", 89).outcome()).isEqualTo(KnowledgeBase.ArchOutcome.LOWER_MINOR_ONLY);
    assertThat(kb.archVerdict("11.7", 90).outcome()).isEqualTo(KnowledgeBase.ArchOutcome.TOO_NEW);
    assertThat(kb.archVerdict("12.6", 120).outcome()).isEqualTo(KnowledgeBase.ArchOutcome.TOO_NEW);
    assertThat(kb.archVerdict("12.8", 120).outcome()).isEqualTo(KnowledgeBase.ArchOutcome.SUPPORTED);
    assertThat(kb.archVerdict("10.1", 70).outcome()).isEqualTo(KnowledgeBase.ArchOutcome.SUPPORTED);
    KnowledgeBase.ArchVerdict future = kb.archVerdict("14.1", 90);
    assertThat(future.assumed()).isTrue();
    assertThat(future.explanation()).contains("assumed");
    assertThat(kb.archVerdict("8.0", 60).outcome()).isEqualTo(KnowledgeBase.ArchOutcome.UNKNOWN);
    KnowledgeBase.CompilerLimit cl = kb.hostCompiler("13.9").orElseThrow();
    assertThat(cl.exact()).isFalse();
    assertThat(cl.row().toolkit()).isEqualTo("13.4");
    assertThat(cl.explanation()).contains("lower bound");
    // A torch release the KB lacks is not invented.
    assertThat(kb.torch("2.99.0+cu140")).isEmpty();
    assertThat(kb.torch("2.11.0+cu999").orElseThrow().variant()).isEmpty();
    // Plain PyPI versions get the default variant where it is known.
    assertThat(kb.torch("2.6.0").orElseThrow().variant()).map(Torch.Variant::cuda).contains("cu124");
    assertThat(kb.cudnn("9.1.0.70").orElseThrow().id()).isEqualTo("9.0.0");
    assertThat(kb.cudnn("9.19.0.56").orElseThrow().builds()).extracting(KnowledgeBase.CudnnBuild::cudaMajor).contains(13);
  }

  @Test
  void archListsDecideWhichGpusRunABuild() {
    ArchList cu130 = ArchList.parse("7.5;8.0;8.6;9.0;10.0;12.0").orElseThrow();
    assertThat(cu130.fit(89)).isEqualTo(ArchList.Fit.COMPATIBLE_SASS);
    assertThat(cu130.fit(103)).isEqualTo(ArchList.Fit.COMPATIBLE_SASS);
    assertThat(cu130.fit(70)).isEqualTo(ArchList.Fit.NONE);
    assertThat(cu130.fit(110)).isEqualTo(ArchList.Fit.NONE);
    ArchList ptx = ArchList.parse("5.0;6.0;7.0;7.5;8.0;8.6;9.0+PTX").orElseThrow();
    assertThat(ptx.fit(120)).isEqualTo(ArchList.Fit.PTX_JIT);
    assertThat(ptx.fit(37)).isEqualTo(ArchList.Fit.NONE);
    ArchList names = ArchList.parse("sm_75 sm_80 compute_120").orElseThrow();
    assertThat(names.sass()).containsExactly(75, 80);
    assertThat(names.ptx()).containsExactly(120);
    assertThat(ArchList.parse("9.0a")).isEmpty();
    assertThat(ArchList.parse("")).isEmpty();
    assertThat(ArchList.parse("sm_abc")).isEmpty();
  }

  @Test
  void torchBuildsForAGpu() throws Exception {
    List<KnowledgeBase.TorchBuild> v100 = kb.torchBuildsFor(70);
    assertThat(v100).anyMatch(b -> b.release().id().equals("2.5") && b.variant().cuda().equals("cu121"));
    assertThat(v100).noneMatch(b -> b.variant().cuda().equals("cu130"));
    List<KnowledgeBase.TorchBuild> rtx5090 = kb.torchBuildsFor(120);
    assertThat(rtx5090).anyMatch(b -> b.release().id().equals("2.5") && b.variant().cuda().equals("cu124") && b.fit() == ArchList.Fit.PTX_JIT);
    assertThat(rtx5090).noneMatch(b -> b.release().id().equals("2.5") && b.variant().cuda().equals("cu121"));
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = KnowledgeBase.class.getResourceAsStream("/kb/" + name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
