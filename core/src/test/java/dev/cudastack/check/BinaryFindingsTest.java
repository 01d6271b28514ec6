package dev.cudastack.check;

import static dev.cudastack.testing.Scenario.SITE;
import static dev.cudastack.testing.Scenario.codes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.model.Snapshot;
import dev.cudastack.report.TextReport;
import dev.cudastack.testing.Scenario;
import dev.cudastack.testing.Toolchain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed machine (two V100s, torch 2.5.1+cu121) with real libraries built here in torch's
 * layout: libtorch_cuda.so (compiled by nvcc for sm_80 only, DT_RPATH into the wheels), a
 * cuSPARSE-like library (DT_RUNPATH $ORIGIN-style) that needs nvJitLink's 12.4 symbol, the wheel's
 * nvJitLink 12.4 and an older 12.1 copy on LD_LIBRARY_PATH. Read from the bytes, the doctor must
 * find the shadowed nvJitLink and the missing symbol, and that the library has no sm_70 code —
 * which the knowledge base alone would not say.
 */
class BinaryFindingsTest {
  @TempDir static Path build;
  @TempDir Path tmp;

  @BeforeAll
  static void compile() {
    assumeTrue(Toolchain.nvcc().isPresent(), "needs nvcc 13.0 and gcc to build the libraries");
    String gcc = Toolchain.gcc().orElseThrow().toString();
    Toolchain.write(build, "nvj.map", "libnvJitLink.so.12 { global: __nvJitLinkComplete_12_1; __nvJitLinkComplete_12_4; local: *; };\n");
    Toolchain.write(build, "nvj_old.map", "libnvJitLink.so.12 { global: __nvJitLinkComplete_12_1; local: *; };\n");
    Toolchain.write(build, "nvj.c", "int __nvJitLinkComplete_12_1(void) { return 1; }\nint __nvJitLinkComplete_12_4(void) { return 4; }\n");
    Toolchain.write(build, "nvj_old.c", "int __nvJitLinkComplete_12_1(void) { return 1; }\n");
    Toolchain.write(build, "csp.c", "int __nvJitLinkComplete_12_4(void);\nint cusparseCreate(void) { return __nvJitLinkComplete_12_4(); }\n");
    Toolchain.write(build, "tc.cu", "__global__ void k(float *a) { a[threadIdx.x] += 1.0f; }\nextern \"C\" int cusparseCreate(void);\n"
        + "extern \"C\" int torchRun(float *a) { k<<<1, 32>>>(a); return cusparseCreate(); }\n");
    for (String d : List.of("nvidia/nvjitlink/lib", "nvidia/cusparse/lib", "torch/lib", "old")) {
      Toolchain.run(build, List.of("mkdir", "-p", d));
    }
    Toolchain.run(build, List.of(gcc, "-shared", "-fPIC", "-o", "nvidia/nvjitlink/lib/libnvJitLink.so.12", "nvj.c", "-Wl,-soname,libnvJitLink.so.12", "-Wl,--version-script=nvj.map"));
    Toolchain.run(build, List.of(gcc, "-shared", "-fPIC", "-o", "old/libnvJitLink.so.12", "nvj_old.c", "-Wl,-soname,libnvJitLink.so.12", "-Wl,--version-script=nvj_old.map"));
    Toolchain.run(build, List.of(gcc, "-shared", "-fPIC", "-o", "nvidia/cusparse/lib/libcusparse.so.12", "csp.c", "-Wl,-soname,libcusparse.so.12",
        "nvidia/nvjitlink/lib/libnvJitLink.so.12", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../../nvjitlink/lib"));
    // torch's libc10.so defines c10::cuda::SetDevice(int); one extension was built against a torch whose
    // SetDevice took a long, another against this one.
    Toolchain.write(build, "c10.cpp", "namespace c10 { namespace cuda { int SetDevice(int d) { return d; } } }\n");
    Toolchain.write(build, "ext_old.cpp", "namespace c10 { namespace cuda { int SetDevice(long d); } }\nint ext_init() { return c10::cuda::SetDevice(0L); }\n");
    Toolchain.write(build, "ext_ok.cpp", "namespace c10 { namespace cuda { int SetDevice(int d); } }\nint ext_init() { return c10::cuda::SetDevice(0); }\n");
    Toolchain.run(build, List.of("mkdir", "-p", "ext"));
    Toolchain.run(build, List.of("g++", "-shared", "-fPIC", "-o", "torch/lib/libc10.so", "c10.cpp", "-Wl,-soname,libc10.so"));
    Toolchain.run(build, List.of("g++", "-shared", "-fPIC", "-o", "ext/old_C.so", "ext_old.cpp", "torch/lib/libc10.so"));
    Toolchain.run(build, List.of("g++", "-shared", "-fPIC", "-o", "ext/ok_C.so", "ext_ok.cpp", "torch/lib/libc10.so"));
    Toolchain.run(build, List.of(Toolchain.nvcc().get().toString(), "-shared", "-Xcompiler", "-fPIC", "-gencode", "arch=compute_80,code=sm_80", "-o", "torch/lib/libtorch_cuda.so", "tc.cu",
        "-Xlinker", "nvidia/cusparse/lib/libcusparse.so.12", "-Xlinker", "--disable-new-dtags", "-Xlinker", "-rpath", "-Xlinker", "$ORIGIN/../../nvidia/cusparse/lib"));
  }

  private Scenario machine() {
    return Scenario.copyOf("seed-case-fixed", tmp)
        .copy(build.resolve("torch/lib/libtorch_cuda.so"), SITE + "/torch/lib/libtorch_cuda.so")
        .copy(build.resolve("nvidia/cusparse/lib/libcusparse.so.12"), SITE + "/nvidia/cusparse/lib/libcusparse.so.12")
        .copy(build.resolve("nvidia/nvjitlink/lib/libnvJitLink.so.12"), SITE + "/nvidia/nvjitlink/lib/libnvJitLink.so.12")
        .dist("nvidia-nvjitlink-cu12", "12.4.127").dist("nvidia-cusparse-cu12", "12.3.1.170")
        .copy(build.resolve("old/libnvJitLink.so.12"), "/usr/local/cuda-12.1/lib64/libnvJitLink.so.12")
        .env("LD_LIBRARY_PATH", "/usr/local/cuda-12.1/lib64:/usr/local/cuda-12.6/lib64");
  }

  @Test
  void theBinariesSayWhatTheKnowledgeBaseCannot() {
    Scenario s = machine();
    Diagnosis d = s.diagnose(true);
    List<String> codes = codes(d);
    Finding sym = d.findings().stream().filter(x -> x.code().equals(Codes.CUDA_LIBRARY_SYMBOL_MISMATCH)).findFirst().orElseThrow();
    assertThat(sym.title()).isEqualTo("libcusparse.so.12 needs __nvJitLinkComplete_12_4@libnvJitLink.so.12, which /usr/local/cuda-12.1/lib64/libnvJitLink.so.12 lacks");
    assertThat(sym.explanation()).contains("LD_LIBRARY_PATH (/usr/local/cuda-12.1/lib64)").contains("it defines only __nvJitLinkComplete_12_1");
    assertThat(sym.fixes()).extracting(Fix::shell).containsExactly("export LD_LIBRARY_PATH=/usr/local/cuda-12.6/lib64");
    assertThat(codes).contains(Codes.LIBRARY_SHADOWED);
    Finding arch = d.findings().stream().filter(x -> x.code().equals(Codes.GPU_ARCH_NOT_IN_BUILD)).findFirst().orElseThrow();
    assertThat(arch.explanation()).contains("libtorch_cuda.so carries sm_80").contains("Read from the library itself");
    assertThat(codes).doesNotContain(Codes.LIBRARY_NOT_FOUND);
    // Without reading the binaries, the knowledge base's list for 2.5.1+cu121 (which has sm_70) is all there is,
    // and the nvJitLink problem is only inferred from file names (an old copy on LD_LIBRARY_PATH).
    Diagnosis guess = s.diagnose(false);
    assertThat(codes(guess)).doesNotContain(Codes.GPU_ARCH_NOT_IN_BUILD);
    assertThat(guess.findings()).filteredOn(x -> x.code().equals(Codes.CUDA_LIBRARY_SYMBOL_MISMATCH)).singleElement()
        .satisfies(x -> assertThat(x.explanation()).contains("loaded by the wheels' own libraries through their RUNPATH"));
  }

  @Test
  void theVerboseReportShowsWhereEachCudaLibraryLoadsFrom() {
    Snapshot snap = machine().snapshot(true);
    StringWriter w = new StringWriter();
    new TextReport(false, true).render(snap, Checks.run(snap, KnowledgeBase.bundled()), new PrintWriter(w));
    assertThat(w.toString())
        .contains("torch libtorch_cuda.so · GPU code sm_80 · 2 CUDA libraries resolved · 4 missing, 1 unresolved")
        .contains("not found: libc.so.6 (needed by libtorch_cuda.so)")
        .contains("loads from: libcusparse.so.12 → " + SITE + "/nvidia/cusparse/lib/libcusparse.so.12 (DT_RPATH of libtorch_cuda.so ($ORIGIN/../../nvidia/cusparse/lib = " + SITE + "/nvidia/cusparse/lib))")
        .contains("loads from: libnvJitLink.so.12 → /usr/local/cuda-12.1/lib64/libnvJitLink.so.12 (LD_LIBRARY_PATH (/usr/local/cuda-12.1/lib64))");
  }

  @Test
  void anExtensionBuiltForAnotherTorch() {
    Scenario s = machine().env("LD_LIBRARY_PATH", "/usr/local/cuda-12.6/lib64").copy(build.resolve("torch/lib/libc10.so"), SITE + "/torch/lib/libc10.so")
        .dist("xformers", "0.0.28.post3", "torch==2.5.1").copy(build.resolve("ext/old_C.so"), SITE + "/xformers/_C.so");
    Finding f = s.diagnose(true).findings().stream().filter(x -> x.code().equals(Codes.EXTENSION_TORCH_MISMATCH)).findFirst().orElseThrow();
    assertThat(f.title()).isEqualTo("xformers's _C.so needs 1 torch C++ symbol that torch 2.5.1+cu121 does not define");
    assertThat(f.explanation()).contains("_ZN3c104cuda9SetDeviceEl");
    // Built for this torch: its symbols resolve in torch's libc10.so, and the metadata pin agrees.
    Scenario ok = machine().env("LD_LIBRARY_PATH", "/usr/local/cuda-12.6/lib64").copy(build.resolve("torch/lib/libc10.so"), SITE + "/torch/lib/libc10.so")
        .dist("xformers", "0.0.28.post3", "torch==2.5.1").copy(build.resolve("ext/ok_C.so"), SITE + "/xformers/_C.so");
    assertThat(codes(ok.diagnose(true))).doesNotContain(Codes.EXTENSION_TORCH_MISMATCH);
  }

  @Test
  void withoutTheOldCopyEverythingResolves() {
    Diagnosis d = machine().env("LD_LIBRARY_PATH", "/usr/local/cuda-12.6/lib64").diagnose(true);
    assertThat(codes(d)).doesNotContain(Codes.CUDA_LIBRARY_SYMBOL_MISMATCH, Codes.LIBRARY_SHADOWED, Codes.LIBRARY_NOT_FOUND);
    // A wheel library deleted: torch cannot be imported.
    Scenario gone = machine().env("LD_LIBRARY_PATH", "/usr/local/cuda-12.6/lib64").delete(SITE + "/nvidia/cusparse/lib/libcusparse.so.12");
    assertThat(codes(gone.diagnose(true))).contains(Codes.LIBRARY_NOT_FOUND);
  }
}
