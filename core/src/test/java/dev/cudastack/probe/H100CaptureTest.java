package dev.cudastack.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.model.DriverInfo;
import dev.cudastack.model.GpuInfo;
import dev.cudastack.model.Inspection;
import dev.cudastack.model.LibraryInfo;
import dev.cudastack.model.Observation;
import dev.cudastack.model.PythonInfo;
import dev.cudastack.model.Snapshot;
import dev.cudastack.model.Source;
import dev.cudastack.model.ToolkitInfo;
import dev.cudastack.report.TextReport;
import dev.cudastack.testing.Capture;
import dev.cudastack.testing.FixtureNativeAccess;
import dev.cudastack.testing.RecordedCommandRunner;
import dev.cudastack.testing.Shared;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The real H100 machine (driver 580.159.04, CUDA 13.0), rebuilt as a fixture tree from
 * ../shared/fixtures/h100-capture, with its recorded command outputs answering the probes.
 */
class H100CaptureTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T21:00:12Z"), ZoneOffset.UTC);

  static Map<String, String> env() throws Exception {
    return EnvFile.parse(Files.readString(Shared.fixture("h100").resolve("ENV")));
  }

  static RecordedCommandRunner recorded() {
    String gccLine = Capture.output("gcc.txt").lines().findFirst().orElseThrow() + "\n";
    String gxxLine = Capture.output("gcc.txt").lines().skip(1).findFirst().orElseThrow() + "\n";
    String nvcc = Capture.output("which-nvcc.txt");
    return new RecordedCommandRunner()
        .answer(List.of("nvidia-smi", "--query-gpu=" + NvidiaSmiOutput.QUERY_FIELDS, "--format=csv,noheader,nounits"), Capture.output("nvidia-smi-query.txt"))
        .answer(List.of("nvidia-smi"), Capture.output("nvidia-smi.txt"))
        .answer(List.of("ldd", "--version"), Capture.output("ldd-version.txt"))
        .answer(List.of("/usr/bin/gcc", "--version"), gccLine)
        .answer(List.of("/usr/bin/g++", "--version"), gxxLine)
        .answer(List.of("/usr/local/cuda-13.0/bin/nvcc", "--version"), nvcc.substring(nvcc.indexOf("nvcc: NVIDIA")));
  }

  /** NVML's answers on that machine, read from the capture's nvidia-smi -q -x and cuDriverGetVersion. */
  static NativeAccess capturedNvml() {
    String xml = Capture.output("nvidia-smi-q-x.txt");
    Source s = Source.nativeCall("fixture");
    GpuInfo.Gpu dev = new GpuInfo.Gpu(
        0,
        Observation.found(tag(xml, "product_name"), s),
        Observation.found(tag(xml, "uuid"), s),
        Observation.found("00000000:00:06.0", s),
        Observation.found(Capture.output("nvidia-smi-query.txt").lines().skip(1).findFirst().orElseThrow().split(", ")[5], s),
        Observation.found(Long.parseLong(tag(xml, "total").replace(" MiB", "")), s),
        Observation.found(tag(xml, "current_mig").toLowerCase(), s));
    int cuda = Integer.parseInt(Capture.output("torch-truth.txt").lines()
        .filter(l -> l.startsWith("cuDriverGetVersion")).findFirst().orElseThrow().split(" ")[1]);
    NativeAccess.NvmlReading reading = new NativeAccess.NvmlReading(
        Observation.found("ok", s), Observation.found(tag(xml, "driver_version"), s), Observation.found(cuda, s), List.of(dev));
    return new FixtureNativeAccess(reading, Observation.found(cuda, s), false);
  }

  private static String tag(String xml, String name) {
    Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(xml);
    if (!m.find()) {
      throw new AssertionError("no <" + name + "> in the capture");
    }
    return m.group(1).strip();
  }

  static Snapshot take(NativeAccess natives) throws Exception {
    Machine m = new Machine(MachineFs.rooted(Shared.fixture("h100").resolve("root")), env(), recorded(), natives, Duration.ofSeconds(2), true);
    return new SnapshotTaker(CLOCK, "cudastack test").take(m, Inspection.root("h100", "ENV"));
  }

  @Test
  void nvidiaSmiFallbackReadsTheDriverGpuAndHighestCuda() throws Exception {
    Snapshot s = take(NativeAccess.none("NVML not loadable in this test"));
    DriverInfo d = s.driver();
    assertThat(d.kernelModule().orElse(null)).isEqualTo("580.159.04");
    assertThat(d.kernelModuleDescription().orElse("")).contains("Open Kernel Module");
    assertThat(d.libcudaVersion().orElse(null)).isEqualTo("580.159.04");
    assertThat(d.libcudaVersion().source().ref()).isEqualTo("/usr/local/nvidia/lib64/libcuda.so.580.159.04");
    assertThat(d.highestCuda().orElse(null)).isEqualTo("13.0");
    assertThat(d.highestCuda().source().ref()).isEqualTo("nvidia-smi");
    GpuInfo g = s.gpus();
    assertThat(g.enumeration().orElse(null)).isEqualTo("nvidia-smi");
    assertThat(g.devices()).hasSize(1);
    GpuInfo.Gpu gpu = g.devices().getFirst();
    assertThat(gpu.name().orElse(null)).isEqualTo("NVIDIA H100 80GB HBM3");
    assertThat(gpu.computeCapability().orElse(null)).isEqualTo("9.0");
    assertThat(gpu.memoryMiB().orElse(0L)).isEqualTo(81559L);
    assertThat(gpu.uuid().orElse(null)).isEqualTo("GPU-d3b1bf91-f201-a0f9-16cc-6b01c3841360");
  }

  @Test
  void nvmlPathReadsTheSameFacts() throws Exception {
    Snapshot s = take(capturedNvml());
    assertThat(s.driver().nvmlInit().orElse(null)).isEqualTo("ok");
    assertThat(s.driver().reportedDriverVersion().orElse(null)).isEqualTo("580.159.04");
    assertThat(s.driver().cudaFromDriverApi().orElse(null)).isEqualTo("13.0");
    assertThat(s.driver().highestCuda().source().kind()).isEqualTo(Source.Kind.NATIVE);
    assertThat(s.gpus().enumeration().orElse(null)).isEqualTo("NVML");
    GpuInfo.Gpu gpu = s.gpus().devices().getFirst();
    assertThat(gpu.computeCapability().orElse(null)).isEqualTo("9.0");
    assertThat(gpu.migMode().orElse(null)).isEqualTo("disabled");
  }

  @Test
  void toolkitThroughTheAlternativesChainAndExtensionBuildHome() throws Exception {
    ToolkitInfo t = take(NativeAccess.none("-")).toolkits();
    assertThat(t.installs()).hasSize(1);
    ToolkitInfo.ToolkitInstall tk = t.installs().getFirst();
    assertThat(tk.path()).isEqualTo("/usr/local/cuda-13.0");
    assertThat(tk.version().orElse(null)).isEqualTo("13.0");
    assertThat(tk.version().source().ref()).isEqualTo("/usr/local/cuda-13.0/include/cuda.h");
    assertThat(tk.nvccVersion().orElse(null)).isEqualTo("13.0.88");
    assertThat(tk.aliases()).contains(
        "/usr/local/cuda -> /etc/alternatives/cuda -> /usr/local/cuda-13.0",
        "/usr/local/cuda-13 -> /etc/alternatives/cuda-13 -> /usr/local/cuda-13.0");
    assertThat(t.shell().orElse(null).path()).isEqualTo("/usr/local/cuda/bin/nvcc");
    assertThat(t.shell().orElse(null).toolkit()).isEqualTo("/usr/local/cuda-13.0");
    ToolkitInfo.ExtensionBuild e = t.extensionBuild().orElse(null);
    assertThat(e.cudaHome()).isEqualTo("/usr/local/cuda");
    assertThat(e.chosenBy()).isEqualTo("$CUDA_HOME");
    assertThat(e.toolkit()).isEqualTo("/usr/local/cuda-13.0");
    assertThat(e.usable()).isTrue();
  }

  @Test
  void systemCudnnAndNcclAndTheUnusedCompatLibcuda() throws Exception {
    Snapshot s = take(NativeAccess.none("-"));
    LibraryInfo l = s.libraries();
    assertThat(versionOf(l, "cudnn")).isEqualTo("9.14.0");
    assertThat(versionOf(l, "nccl")).isEqualTo("2.28.3");
    assertThat(versionOf(l, "cudart")).isEqualTo("13.0.96");
    assertThat(l.cudnnHeaders()).anySatisfy(h -> {
      assertThat(h.path()).isEqualTo("/usr/include/x86_64-linux-gnu/cudnn_version.h");
      assertThat(h.version().orElse(null)).isEqualTo("9.14.0");
    });
    assertThat(s.driver().compatLibraries()).singleElement().satisfies(c -> {
      assertThat(c.version()).isEqualTo("580.95.05");
      assertThat(c.path()).isEqualTo("/usr/local/cuda-13.0/compat/libcuda.so.580.95.05");
    });
    String text = render(s);
    assertThat(text)
        .contains("NVIDIA driver 580.159.04 (open kernel module) — highest CUDA 13.0")
        .contains("GPU 0  NVIDIA H100 80GB HBM3 · compute capability 9.0")
        .contains("13.0 at /usr/local/cuda-13.0 (nvcc 13.0.88)  ← shell, extension builds")
        .contains("forward-compat libcuda 580.95.05 in /usr/local/cuda-13.0/compat — not newer than the driver (580.159.04), so unused");
  }

  @Test
  void hostCompilerAndContainer() throws Exception {
    Snapshot s = take(NativeAccess.none("-"));
    assertThat(s.hostCompiler().candidates()).anySatisfy(c -> {
      assertThat(c.path()).isEqualTo("/usr/bin/gcc");
      assertThat(c.version().orElse(null)).isEqualTo("13.3.0");
    });
    // nvcc's host compiler here is CUDAHOSTCXX, which the container sets.
    assertThat(s.hostCompiler().selected().orElse(null).chosenBy()).isEqualTo("$CUDAHOSTCXX");
    assertThat(s.os().distro().orElse(null).prettyName()).isEqualTo("Ubuntu 24.04.3 LTS");
    assertThat(s.os().glibc().orElse(null)).isEqualTo("2.39");
    var require = s.os().container().requireCuda().orElse(null);
    assertThat(require.minimumCuda()).isEqualTo("13.0");
    // 12 brands times 5 driver branches (535, 550, 565, 570, 575).
    assertThat(require.alternatives()).hasSize(60);
    assertThat(require.alternatives().getFirst().conditions()).extracting(c -> c.key() + c.op() + c.value())
        .containsExactly("brand=unknown", "driver>=535", "driver<536");
  }

  @Test
  void torchVenvFromTheCapture() throws Exception {
    Snapshot s = take(NativeAccess.none("-"));
    PythonInfo.PythonEnv venv = s.python().environments().stream().filter(e -> e.prefix().equals("/opt/torch/.venv")).findFirst().orElseThrow();
    assertThat(venv.kind()).isEqualTo("venv");
    assertThat(venv.foundBy()).contains("python3 on PATH");
    assertThat(venv.pythonVersion().orElse(null)).isEqualTo("3.12.3");
    PythonInfo.TorchBuild t = venv.torch().orElse(null);
    assertThat(t.version()).isEqualTo("2.11.0+cu130");
    assertThat(t.cuda()).isEqualTo("13.0");
    assertThat(t.variant()).isEqualTo("cu130");
    assertThat(t.libFiles()).contains("libtorch_cuda.so", "libc10_cuda.so");
    assertThat(t.pins()).extracting(PythonInfo.Pin::name).contains("cuda-toolkit", "nvidia-cudnn-cu13", "nvidia-nccl-cu13", "triton");
    assertThat(t.pins()).allSatisfy(p -> assertThat(p.satisfied()).as(p.requirement()).isTrue());
    assertThat(t.pins()).filteredOn(p -> p.name().equals("cuda-toolkit")).singleElement()
        .satisfies(p -> assertThat(p.installed()).isEqualTo("13.0.2"));
    assertThat(venv.cudaWheels()).filteredOn(w -> w.name().equals("nvidia-cudnn-cu13")).singleElement().satisfies(w -> {
      assertThat(w.version()).isEqualTo("9.19.0.56");
      assertThat(w.libDir()).endsWith("/site-packages/nvidia/cudnn/lib");
      assertThat(w.libraries()).containsExactly("libcudnn.so.9");
    });
    assertThat(venv.cudaWheels()).filteredOn(w -> w.name().equals("nvidia-cuda-runtime")).singleElement()
        .satisfies(w -> assertThat(w.libraries()).containsExactly("libcudart.so.13"));
    assertThat(venv.frameworks()).filteredOn(f -> f.name().equals("triton")).singleElement().satisfies(f -> {
      assertThat(f.version()).isEqualTo("3.6.0");
      assertThat(f.bundledPtxas().orElse(null)).isEqualTo("12.8.93");
    });
    assertThat(venv.bitsandbytes().isFound()).isFalse();
    assertThat(venv.distributions().stream().filter(d -> !d.shadowed()).count()).isEqualTo(197);
  }

  private static String versionOf(LibraryInfo l, String lib) {
    return l.files().stream().filter(f -> f.library().equals(lib)).findFirst().orElseThrow().version().orElse(null);
  }

  static String render(Snapshot s) {
    StringWriter w = new StringWriter();
    new TextReport(false, true).render(s, new PrintWriter(w));
    return w.toString();
  }

  @Test
  void fixtureTreeKeepsItsSymlinks() {
    assertThat(Files.isSymbolicLink(Shared.fixture("h100").resolve("root/usr/local/cuda"))).isTrue();
    assertThat(Path.of("src/test/fixtures/h100/root/etc/alternatives/cuda")).isSymbolicLink();
  }

  /** The real H100 machine's stack works: the checks must say so, and find nothing above info. */
  @Test
  void theH100StackDiagnosesClean() throws Exception {
    dev.cudastack.check.Diagnosis d = dev.cudastack.check.Checks.run(take(capturedNvml()), dev.cudastack.kb.KnowledgeBase.bundled());
    assertThat(d.findings()).as("findings %s", d.findings().stream().map(f -> f.code() + ": " + f.title()).toList())
        .allMatch(f -> f.severity() == dev.cudastack.check.Severity.INFO);
    assertThat(d.exitCode()).isZero();
    assertThat(d.fine()).contains("driver 580.159.04 runs CUDA up to 13.0", "torch 2.11.0+cu130 (CUDA 13.0) runs on this driver",
        "torch 2.11.0+cu130 has kernels for GPU 0 NVIDIA H100 80GB HBM3 (sm_90) (exact)");
    assertThat(d.proposals()).isEmpty();
  }
}
