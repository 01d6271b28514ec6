package dev.cudastack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end: options, outputs, exit codes, snapshot replay. */
class CliTest {
  record Run(int code, String out, String err) {}

  @TempDir Path tmp;

  static Path shared() {
    return Path.of(System.getProperty("cudastack.shared", "../../shared")).toAbsolutePath().normalize();
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out), new PrintWriter(err), Map.of("PATH", "/usr/bin:/bin", "NO_COLOR", "1"));
    return new Run(code, out.toString(), err.toString());
  }

  static String[] seed(String... more) {
    Path d = shared().resolve("scenarios/seed-case");
    String[] base = {"doctor", "--root", d.resolve("root").toString(), "--env-file", d.resolve("ENV").toString()};
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void versionAndHelp() {
    Run v = run("--version");
    assertThat(v.code()).isZero();
    assertThat(v.out()).startsWith("cudastack ");
    Run h = run("--help");
    assertThat(h.out()).contains("doctor").contains("snapshot").contains("generate-completion").contains("3   the tool itself failed");
  }

  @Test
  void doctorOnTheSeedTreeShowsEveryLayer() {
    Run r = run(seed("-v"));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out())
        .contains("NVIDIA driver 560.35.03")
        .contains("GPU 1  Tesla V100-SXM2-32GB")
        .contains("10.1.243 at /usr/local/cuda-10.1  ← shell, extension builds")
        .contains("12.6.2 at /usr/local/cuda-12.6 (nvcc 12.6.77)")
        .contains("from file /usr/local/cuda-12.6/version.json")
        .contains("Probes")
        .doesNotContain("\u001b[");
  }

  @Test
  void jsonAndMarkdown() {
    Run j = run(seed("--json"));
    assertThat(j.code()).isEqualTo(2);
    assertThat(j.out()).contains("\"findings\": [").contains("\"code\": \"BNB_BINARY_MISSING\"").contains("\"severity\": \"error\"")
        .contains("\"snapshot\": {").contains("\"schemaVersion\": 1");
    Run m = run(seed("--markdown"));
    assertThat(m.out()).startsWith("## cudastack doctor").contains("### CUDA toolkits").contains("<details><summary>Sources</summary>");
    Run both = run(seed("--json", "--markdown"));
    assertThat(both.code()).isEqualTo(3);
    assertThat(both.err()).contains("mutually exclusive");
  }

  @Test
  void snapshotThenReplayGivesTheSameReport() throws Exception {
    Path file = tmp.resolve("node.json");
    Path d = shared().resolve("scenarios/seed-case");
    Run s = run("snapshot", "--root", d.resolve("root").toString(), "--env-file", d.resolve("ENV").toString(), "-o", file.toString());
    assertThat(s.code()).isZero();
    assertThat(file).exists();
    Run again = run("snapshot", "--root", d.resolve("root").toString(), "-o", file.toString());
    assertThat(again.code()).isEqualTo(3);
    assertThat(again.err()).contains("not overwriting");
    Run replay = run("doctor", "--snapshot", file.toString());
    Run direct = run(seed());
    assertThat(replay.code()).isEqualTo(2).isEqualTo(direct.code());
    assertThat(body(replay.out())).isEqualTo(body(direct.out()));
    assertThat(replay.out()).contains("replayed from " + file);
  }

  private static String body(String report) {
    return report.substring(report.indexOf('\n'));
  }

  @Test
  void badInputGivesAClearMessageAndExitCode3() throws Exception {
    Run noEnv = run("doctor", "--root", tmp.toString(), "--env-file", tmp.resolve("missing").toString());
    assertThat(noEnv.code()).isEqualTo(3);
    assertThat(noEnv.err()).contains("cannot read --env-file").contains("no such file");
    Run noRoot = run("doctor", "--root", tmp.resolve("nope").toString());
    assertThat(noRoot.code()).isEqualTo(3);
    assertThat(noRoot.err()).contains("is not a directory");
    Path junk = Files.writeString(tmp.resolve("junk.json"), "{\"schemaVersion\": 1, \"gpus\": [");
    Run badSnap = run("doctor", "--snapshot", junk.toString());
    assertThat(badSnap.code()).isEqualTo(3);
    assertThat(badSnap.err()).contains("cannot read snapshot");
    Run unknown = run("doctor", "--frobnicate");
    assertThat(unknown.code()).isEqualTo(3);
    assertThat(unknown.err()).contains("Unknown option");
    Run timeout = run("doctor", "--probe-timeout", "0");
    assertThat(timeout.code()).isEqualTo(3);
    assertThat(noEnv.err() + noRoot.err() + badSnap.err() + unknown.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void anonymizedJson() {
    Run r = run(seed("--json", "--anonymize"));
    assertThat(r.out()).doesNotContain("GPU-5f3c2d1e").doesNotContain("/home/can").contains("\"anonymized\": true");
  }

  @Test
  void pythonAndDeepOptions() {
    Path env = shared().resolve("scenarios/seed-case-fixed/root/home/can/miniconda3/envs/moelora");
    Run given = run(seed("--python", "/home/can/miniconda3/envs/moelora/bin/python3.9", "-v"));
    assertThat(given.out()).contains("← python3 on PATH, $CONDA_PREFIX, --python /home/can/miniconda3/envs/moelora/bin/python3.9, conda env");
    assertThat(given.out()).contains("bitsandbytes 0.38.0 — wants libbitsandbytes_cuda126.so, not shipped → falls back to the CPU");
    Run deepRoot = run(seed("--deep"));
    assertThat(deepRoot.code()).isEqualTo(3);
    assertThat(deepRoot.err()).contains("--deep runs the environments' interpreters");
    assertThat(env).isDirectory();
  }

  @Test
  void knowledgeBaseQueries() throws Exception {
    Run driver = run("kb", "driver", "580.159.04");
    assertThat(driver.code()).isZero();
    assertThat(driver.out()).contains("branch: R580").contains("maxCuda: 13.0");
    Run gpu = run("kb", "gpu", "NVIDIA", "H100", "80GB", "HBM3", "--json");
    assertThat(gpu.out()).contains("\"computeCapability\": \"9.0\"");
    Run info = run("kb", "info");
    assertThat(info.out()).contains("driverBranches: 24").doesNotContain("warning");
    Files.writeString(tmp.resolve("meta.json"), "{\"schemaVersion\": 1, \"checked\": \"2020-01-01\"}");
    Run old = run("kb", "info", "--kb", tmp.toString());
    assertThat(old.out()).contains("warning: the knowledge base is").contains("days old");
    Files.writeString(tmp.resolve("driver-branches.json"), "{\"rows\": 3}");
    Run broken = run("kb", "driver", "560.35.03", "--kb", tmp.toString());
    assertThat(broken.code()).isEqualTo(3);
    assertThat(broken.err()).contains("knowledge base: driver-branches.json: no \"rows\" array");
    // An updated torch table given with --kb replaces the bundled one; a row of the wrong shape is a message.
    Files.writeString(tmp.resolve("torch.json"), "{\"rows\": [{\"id\": \"9.9\", \"release\": \"9.9\", \"patches\": \"not a list\"}]}");
    Run badTorch = run("kb", "torch", "9.9.0", "--kb", tmp.toString());
    assertThat(badTorch.code()).isEqualTo(3);
    assertThat(badTorch.err()).contains("torch.json: rows[0]").contains("expected an array");
  }

  @Test
  void torchBitsandbytesToolkitAndDriverQueries() {
    Run torch = run("kb", "torch", "2.5.1");
    assertThat(torch.code()).isZero();
    assertThat(torch.out()).contains("variant: cu118").contains("variant: cu121").contains("variant: cu124 (this one)")
        .contains("install: pip install torch==2.5.1 torchvision==0.20.1 torchaudio==2.5.1 --index-url https://download.pytorch.org/whl/cu121")
        .contains("python: >=3.9,<=3.12");
    Run json = run("kb", "torch", "2.11.0+cu130", "--json");
    assertThat(json.out()).contains("\"archs\": \"sm_75, sm_80, sm_86, sm_90, sm_100, sm_120\"").contains("nvidia-cudnn-cu13==9.19.0.56");
    Run unknown = run("kb", "torch", "3.1.0");
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.out()).contains("not in the knowledge base").contains("reads its CUDA build");
    Run noVariant = run("kb", "torch", "1.12.0+cu121");
    assertThat(noVariant.out()).contains("warning: no official cu121 wheel of torch 1.12 is known");
    Run bnb = run("kb", "bnb", "0.41.1");
    assertThat(bnb.out()).contains("cudaBinaries: cuda110 cuda111 cuda114").doesNotContain("cuda102").contains("selection: torch.version.cuda");
    Run toolkit = run("kb", "toolkit", "13.0", "--json");
    assertThat(toolkit.out()).contains("\"gccMax\": 15").contains("\"clangMax\": 20");
    Run old = run("kb", "toolkit", "10.1");
    assertThat(old.out()).contains("gccMax: 8").contains("sm: 30 32 35 37");
    Run driver = run("kb", "driver", "535.104.05");
    assertThat(driver.out()).contains("byMinorVersionCompatibility: 12.3").contains("2.6: cu118 cu124* cu126*");
    Run gpu = run("kb", "gpu", "NVIDIA GeForce RTX 5090");
    assertThat(gpu.out()).contains("computeCapability: 12.0").contains("2.5: cu124(PTX JIT)").doesNotContain("2.6: cu118");
  }

  @Test
  void completionScript() {
    Run r = run("generate-completion");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("complete -F").contains("doctor");
  }

  static String[] fix(String scenario, String... more) {
    Path d = shared().resolve("scenarios/" + scenario);
    String[] base = {"fix", "--root", d.resolve("root").toString(), "--env-file", d.resolve("ENV").toString()};
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void fixPrintsTheEnvironmentLinesAndTheInstallsForEveryShell() {
    Run bash = run(fix("seed-case"));
    assertThat(bash.code()).isZero();
    assertThat(bash.out()).contains("# >>> cudastack fix >>>").contains("export PATH=\"/usr/local/cuda-12.6/bin:$PATH\"")
        .contains("export LD_LIBRARY_PATH=\"/usr/local/cuda-12.6/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\"").contains("# <<< cudastack fix <<<")
        .contains("# then run (cudastack installs nothing itself):").contains("#   pip install torch==");
    Run fish = run(fix("seed-case", "--shell", "fish"));
    assertThat(fish.out()).contains("set -gx PATH '/usr/local/cuda-12.6/bin' $PATH").doesNotContain("export ");
    Run bad = run(fix("seed-case", "--shell", "tcsh"));
    assertThat(bad.code()).isEqualTo(3);
    assertThat(bad.err()).contains("--shell must be bash, zsh or fish");
    // Under --root the environment is not on this machine: a FILE must be named.
    Run noFile = run(fix("seed-case", "--write"));
    assertThat(noFile.code()).isEqualTo(3);
    assertThat(noFile.err()).contains("--write needs a FILE here").contains("not on this machine");
  }

  @Test
  void fixWritesOnceBacksUpAndNeverLosesTheUsersLines() throws Exception {
    Path rc = tmp.resolve("bashrc");
    String mine = "alias ll='ls -l'\nexport EDITOR=vi\n";
    Files.writeString(rc, mine);
    Run dry = run(fix("seed-case", "--write", rc.toString(), "--dry-run"));
    assertThat(dry.code()).isZero();
    assertThat(dry.out()).contains("+export PATH=\"/usr/local/cuda-12.6/bin:$PATH\"").contains("nothing written");
    assertThat(Files.readString(rc)).isEqualTo(mine);
    try (var files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("bashrc");
    }
    Run first = run(fix("seed-case", "--write", rc.toString()));
    assertThat(first.code()).isZero();
    String written = Files.readString(rc);
    assertThat(written).startsWith(mine).contains("export PATH=\"/usr/local/cuda-12.6/bin:$PATH\"");
    Path backup;
    try (var files = Files.list(tmp)) {
      backup = files.filter(p -> p.getFileName().toString().startsWith("bashrc.cudastack-backup-")).findFirst().orElseThrow();
    }
    assertThat(Files.readString(backup)).isEqualTo(mine);
    assertThat(first.out()).contains("updated " + rc).contains(backup.toString());
    // A second run finds its own block and changes nothing.
    Run second = run(fix("seed-case", "--write", rc.toString()));
    assertThat(second.out()).contains("already has these lines; nothing changed");
    assertThat(Files.readString(rc)).isEqualTo(written);
    try (var files = Files.list(tmp)) {
      assertThat(files.count()).isEqualTo(2);
    }
    // A different fix replaces the block in place; the user's lines stay.
    Run other = run(fix("seed-case-fixed", "--write", rc.toString()));
    assertThat(other.code()).isZero();
    String replaced = Files.readString(rc);
    assertThat(replaced).startsWith(mine).contains("export DS_SKIP_CUDA_CHECK='1'").doesNotContain("cuda-12.6/bin:$PATH");
    assertThat(replaced.split("# >>> cudastack fix >>>", -1)).hasSize(2);
  }

  @Test
  void fixWritesThroughASymlinkAndCreatesNewFiles() throws Exception {
    Path real = tmp.resolve("dotfiles/bashrc");
    Files.createDirectories(real.getParent());
    Files.writeString(real, "# mine\n");
    Path link = Files.createSymbolicLink(tmp.resolve(".bashrc"), real);
    assertThat(run(fix("seed-case", "--write", link.toString())).code()).isZero();
    assertThat(link).isSymbolicLink();
    assertThat(Files.readString(real)).startsWith("# mine\n").contains("cuda-12.6/bin");
    Path fresh = tmp.resolve("new/dir/activate.sh");
    Run created = run(fix("seed-case", "--write", fresh.toString()));
    assertThat(created.out()).contains("wrote " + fresh);
    assertThat(Files.readString(fresh)).startsWith("# >>> cudastack fix >>>");
  }

  @Test
  void inspectReadsSharedObjectsWithoutLoadingThem() throws Exception {
    Path cudart = Path.of("/usr/local/cuda-13.0/lib64/libcudart.so.13");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(cudart), "no CUDA 13.0 toolkit here");
    Run text = run("inspect", cudart.toString());
    assertThat(text.code()).isZero();
    assertThat(text.out()).contains("SONAME     libcudart.so.13").contains("needs      libc.so.6 → ").contains("GPU code   none");
    Path notElf = Files.writeString(tmp.resolve("libfake.so"), "hello");
    Run bad = run("inspect", notElf.toString(), "--json");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.out()).contains("\"error\": \"not a valid ELF file: 5 bytes\"").contains("\"sass\": []");
    Run snap = run("inspect", "--snapshot", "x.json", cudart.toString());
    assertThat(snap.code()).isEqualTo(3);
    assertThat(snap.err()).contains("--snapshot holds facts, not files");
    Path nvcc = Path.of("/usr/local/cuda-13.0/bin/nvcc");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(nvcc), "no nvcc here");
    Files.writeString(tmp.resolve("k.cu"), "__global__ void k(float *a) { a[threadIdx.x] += 1.0f; }\nextern \"C\" void go(float *a) { k<<<1, 32>>>(a); }\n");
    Process p = new ProcessBuilder(nvcc.toString(), "-shared", "-Xcompiler", "-fPIC", "-gencode", "arch=compute_80,code=sm_80",
        "-gencode", "arch=compute_90,code=[sm_90,compute_90]", "-o", "k.so", "k.cu").directory(tmp.toFile()).redirectErrorStream(true).start();
    assertThat(p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    Run json = run("inspect", tmp.resolve("k.so").toString(), "--json");
    assertThat(json.out()).contains("\"sass\": [\n      \"sm_80\",\n      \"sm_90\"\n    ]").contains("\"ptx\": [\n      \"compute_90\"\n    ]");
  }

  @Test
  void explainNamesCausesAndConfirmsThemWithTheDoctor() throws Exception {
    Path log = Files.writeString(tmp.resolve("train.log"), "loading\n"
        + "CUDA SETUP: Required library version not found: libbitsandbytes_cuda126.so. Maybe you need to compile it from source?\n"
        + "RuntimeError: The detected CUDA version (10.1) mismatches the version that was used to compile PyTorch (12.1).\n");
    Run text = run("explain", log.toString());
    assertThat(text.code()).isZero();
    assertThat(text.out()).contains("1. BNB_BINARY_MISSING").contains("line 2: CUDA SETUP: Required library version not found")
        .contains("bitsandbytes wants libbitsandbytes_cuda126.so, which it does not ship").contains("WRONG_NVCC_ON_PATH").contains("fix: ");
    Run json = run("explain", log.toString(), "--json");
    assertThat(json.out()).contains("\"causes\": [").contains("\"code\": \"BNB_BINARY_MISSING\"").contains("\"confidence\": 0.95").contains("\"number\": 2");
    Path d = shared().resolve("scenarios/seed-case-midway");
    Run confirmed = run("explain", log.toString(), "--with-doctor", "--root", d.resolve("root").toString(), "--env-file", d.resolve("ENV").toString());
    assertThat(confirmed.out()).contains("BNB_BINARY_MISSING  (confidence 0.95)  — confirmed on this machine: bitsandbytes 0.38.0 wants libbitsandbytes_cuda126.so");
    Path fixed = shared().resolve("scenarios/seed-case-fixed");
    Run refuted = run("explain", Files.writeString(tmp.resolve("driver.log"), "RuntimeError: CUDA error: CUDA driver version is insufficient for CUDA runtime version\n").toString(),
        "--with-doctor", "--root", fixed.resolve("root").toString(), "--env-file", fixed.resolve("ENV").toString());
    assertThat(refuted.out()).contains("(the target was read too (--with-doctor))")
        .contains("DRIVER_TOO_OLD  (confidence 0.95)  — refuted on this machine: torch 2.5.1+cu121 (CUDA 12.1) runs on this driver");
    Run md = run("explain", log.toString(), "--markdown");
    assertThat(md.out()).startsWith("## cudastack explain").contains("### BNB_BINARY_MISSING");
    Run unknown = run("explain", Files.writeString(tmp.resolve("other.log"), "ValueError: shapes not aligned\n").toString());
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.out()).contains("no known cause").contains("1: ValueError: shapes not aligned").contains("cudastack doctor");
    Run missing = run("explain", tmp.resolve("nope.log").toString());
    assertThat(missing.code()).isEqualTo(3);
    assertThat(missing.err()).contains("cannot read").contains("no such file");
  }

  @Test
  void explainReadsThisMachineWhenTheLogNamesFilesThatExistHere() throws Exception {
    Path lib = Files.createDirectories(tmp.resolve("envs/train/lib/python3.10/site-packages/bitsandbytes"));
    Path log = Files.writeString(tmp.resolve("here.log"), "Could not find the bitsandbytes CUDA binary at PosixPath('" + lib.resolve("libbitsandbytes_cuda130.so") + "')\n"
        + "  File \"" + lib.resolve("cextension.py") + "\", line 85, in <module>\n");
    Run here = run("explain", log.toString());
    assertThat(here.code()).isZero();
    assertThat(here.out()).contains("(the log names " + lib + ", which exists here: this machine was read too (--no-doctor to skip))")
        .containsPattern("1\\. BNB_BINARY_MISSING  \\(confidence [0-9.]+\\)  — (confirmed on this machine|not seen on this machine)");
    Run json = run("explain", log.toString(), "--json");
    assertThat(json.out()).contains("\"machineRead\": \"the log names ");
    Run skipped = run("explain", log.toString(), "--no-doctor");
    Path unknown = Files.writeString(tmp.resolve("unknown-here.log"), "ValueError: bad shape in " + lib.resolve("cextension.py") + "\n");
    Files.writeString(lib.resolve("cextension.py"), "# a file that is here\n");
    assertThat(run("explain", unknown.toString()).out()).as("nothing to confirm: the machine is not read").doesNotContain("exists here");
    assertThat(skipped.out()).doesNotContain("exists here").doesNotContain("on this machine");
    Path elsewhere = Files.writeString(tmp.resolve("elsewhere.log"), "Could not find the bitsandbytes CUDA binary at PosixPath('/home/nobody-here/envs/x/lib/python3.10/site-packages/bitsandbytes/libbitsandbytes_cuda130.so')\n");
    assertThat(run("explain", elsewhere.toString()).out()).doesNotContain("exists here").doesNotContain("on this machine");
    assertThat(run("explain", log.toString(), "--no-doctor", "--with-doctor").code()).isEqualTo(3);
  }

  @Test
  void explainReadsGzipLogsAndWhatPrecedesTheDamageOfACutOne() throws Exception {
    StringBuilder log = new StringBuilder();
    for (int i = 0; i < 20000; i++) {
      log.append("{'loss': 1.2345, 'step': ").append(i).append("}\n");
    }
    log.append("RuntimeError: CUDA error: no kernel image is available for execution on the device\n");
    for (int i = 0; i < 200000; i++) {
      log.append("step ").append(i).append(" done\n");
    }
    java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
      out.write(log.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Path whole = Files.write(tmp.resolve("train.log.gz"), gz.toByteArray());
    Run ok = run("explain", whole.toString(), "--no-doctor");
    assertThat(ok.code()).isZero();
    assertThat(ok.out()).contains("1. GPU_ARCH_NOT_IN_BUILD").contains("line 20001: RuntimeError: CUDA error: no kernel image");
    assertThat(ok.err()).isEmpty();
    byte[] cut = java.util.Arrays.copyOf(gz.toByteArray(), gz.size() * 3 / 4);
    Run partial = run("explain", Files.write(tmp.resolve("cut.log.gz"), cut).toString(), "--no-doctor");
    assertThat(partial.code()).isZero();
    assertThat(partial.out()).contains("line 20001: RuntimeError");
    assertThat(partial.err()).contains("cut.log.gz: the compressed log is damaged or cut short after").contains("what came before was explained");
    Run twice = run("explain", "-", "-");
    assertThat(twice.code()).isEqualTo(3);
    assertThat(twice.err()).contains("- is given twice");
    Run header = run("explain", Files.write(tmp.resolve("bad.gz"), new byte[] {0x1f, (byte) 0x8b, 1}).toString(), "--no-doctor");
    assertThat(header.code()).isEqualTo(1);
    assertThat(header.err()).contains("bad.gz: a gzip header that cannot be read");
  }

  @Test
  void sameMachineWantsAFileOrAPackageFolderNotAPlaceEveryMachineHas() {
    java.util.function.Predicate<Path> none = p -> false;
    assertThat(ExplainCommand.sameMachine(List.of("/home/a/x", "/home/b/y", "/home/c/z"), p -> p.toString().startsWith("/home/b"), none)).contains("/home/b/y");
    assertThat(ExplainCommand.sameMachine(List.of("/home/a/x\u0000y"), p -> true, p -> true)).as("a NUL cannot be in a path").isEmpty();
    assertThat(ExplainCommand.sameMachine(List.of(), p -> true, p -> true)).isEmpty();
    // a missing binary in a package folder that is here
    assertThat(ExplainCommand.sameMachine(List.of("/home/a/env/lib/python3.10/site-packages/bitsandbytes/libbitsandbytes_cuda130.so"), none,
        p -> p.toString().endsWith("site-packages/bitsandbytes"))).contains("/home/a/env/lib/python3.10/site-packages/bitsandbytes");
    // folders that exist on many machines do not count: a bare site-packages, a cache, an environment's root
    assertThat(ExplainCommand.sameMachine(List.of("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages", "/root/.cache/huggingface/hub/x",
        "/opt/conda/envs/train/bin/missing"), none, p -> true)).isEmpty();
  }

  @Test
  void planGivesVerdictsAStackAndStepsAndWritesConstraintsOnce() throws Exception {
    Path moelora = shared().resolve("projects/liuqidong07__MOELoRA-peft");
    Path d = shared().resolve("scenarios/seed-case");
    Run text = run("plan", moelora.toString(), "--root", d.resolve("root").toString(), "--env-file", d.resolve("ENV").toString());
    assertThat(text.code()).as(text.err()).isEqualTo(1);
    assertThat(text.out()).contains("[✗] torch==1.12.0+cu102  PIN_NEEDS_INDEX").contains("1. export PATH=/usr/local/cuda-12.6/bin:$PATH")
        .containsPattern("pip install torch==2\\.\\d+\\.\\d+ torchvision==\\S+ torchaudio==\\S+ --index-url https://download.pytorch.org/whl/cu12\\d");
    Run json = run("plan", moelora.resolve("requirements.txt").toString(), "--gpu", "H100", "--driver", "535.104.05", "--python-version", "3.10", "--json");
    assertThat(json.code()).isEqualTo(1);
    Map<?, ?> root = (Map<?, ?>) dev.cudastack.json.Json.parse(json.out());
    assertThat(root.keySet().stream().map(String::valueOf).toList()).contains("verdicts", "stack", "commands", "env");
    Map<?, ?> torch = ((List<?>) root.get("stack")).stream().map(Map.class::cast).filter(m -> "torch".equals(m.get("name"))).findFirst().orElseThrow();
    assertThat(torch.keySet().stream().map(String::valueOf).toList()).contains("name", "version", "variant", "index_url", "reason");
    Map<?, ?> verdict = ((List<?>) root.get("verdicts")).stream().map(Map.class::cast).filter(m -> "torch".equals(m.get("name"))).findFirst().orElseThrow();
    assertThat(verdict.get("ok")).isEqualTo(false);
    assertThat(((List<?>) verdict.get("codes")).stream().map(String::valueOf).toList()).contains("GPU_ARCH_NOT_IN_BUILD");
    Path constraints = tmp.resolve("constraints.txt");
    Run write = run("plan", moelora.resolve("requirements.txt").toString(), "--gpu", "H100", "--driver", "535.104.05", "--write-constraints", constraints.toString());
    assertThat(write.err()).contains("wrote");
    String written = Files.readString(constraints);
    assertThat(written).contains("torch==" + torch.get("version")).contains("transformers==4.28.1").doesNotContain("+cu102");
    Files.writeString(constraints, "mine\n");
    Run again = run("plan", moelora.resolve("requirements.txt").toString(), "--gpu", "H100", "--driver", "535.104.05", "--write-constraints", constraints.toString());
    assertThat(again.code()).isEqualTo(3);
    assertThat(again.err()).contains("exists; not overwriting it");
    assertThat(Files.readString(constraints)).isEqualTo("mine\n");
    Run bad = run("plan", tmp.resolve("nope").toString(), "--gpu", "H100");
    assertThat(bad.code()).isEqualTo(3);
    assertThat(bad.err()).contains("no such file");
    // Only the named subcommand is registered; the top level and typos still see them all.
    assertThat(run("plan", "--help").out()).contains("--write-constraints").contains("--keep-pins");
    assertThat(run("pln").err()).contains("Did you mean: cudastack plan");
    assertThat(run("--help").out()).contains("doctor").contains("plan").contains("explain").contains("kb");
    for (String[] wrong : new String[][] {{"--toolkit", "banana"}, {"--driver", "banana"}, {"--python", "three"}}) {
      Run b = run("plan", moelora.toString(), "--gpu", "H100", wrong[0], wrong[1]);
      assertThat(b.code()).as(wrong[0]).isEqualTo(3);
      assertThat(b.err()).contains("'" + wrong[1] + "'").doesNotContain("internal error");
    }
    assertThat(run("plan", moelora.toString(), "--gpu", "H100", "--root", d.resolve("root").toString()).err()).contains("cannot be combined");
    Run badCuda = run("plan", moelora.toString(), "--gpu", "H100", "--cuda", "12.1");
    assertThat(badCuda.code()).isEqualTo(3);
    assertThat(badCuda.err()).contains("--cuda must look like cu121");
  }
}
