package dev.cudastack.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.model.Observation;
import dev.cudastack.model.PythonInfo;
import dev.cudastack.model.PythonInfo.PythonEnv;
import dev.cudastack.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Python environments read from files: the seed trees and trees made here. */
class PythonEnvProbeTest {
  @TempDir Path root;

  private PythonInfo read(Map<String, String> env) {
    return new PythonEnvProbe(List.of(), false, false).read(Machine.rooted(root, env, Duration.ofSeconds(1)), new Notes());
  }

  private static PythonInfo seed(String name) throws Exception {
    Path dir = dev.cudastack.testing.Shared.scenario(name);
    Machine m = Machine.rooted(dir.resolve("root"), EnvFile.parse(Files.readString(dir.resolve("ENV"))), Duration.ofSeconds(1));
    return new PythonEnvProbe(List.of(), false, false).read(m, new Notes());
  }

  @Test
  void seedCaseCondaEnv() throws Exception {
    PythonInfo p = seed("seed-case");
    assertThat(p.environments()).singleElement().satisfies(e -> {
      assertThat(e.prefix()).isEqualTo("/home/can/miniconda3/envs/moelora");
      assertThat(e.kind()).isEqualTo("conda");
      assertThat(e.foundBy()).contains("python3 on PATH", "$CONDA_PREFIX");
      assertThat(e.pythonVersion().orElse(null)).isEqualTo("3.9");
      assertThat(e.torch().orElse(null)).satisfies(t -> {
        assertThat(t.version()).isEqualTo("1.12.0+cu102");
        assertThat(t.cuda()).isEqualTo("10.2");
        assertThat(t.kind()).isEqualTo("cuda");
      });
      assertThat(version(e, "bitsandbytes")).isEqualTo("0.38.0");
      assertThat(version(e, "deepspeed")).isEqualTo("0.9.4");
    });
    assertThat(seed("seed-case-fixed").environments().getFirst().torch().orElse(null).version()).isEqualTo("2.5.1+cu121");
    PythonEnv fixed = seed("seed-case-fixed").environments().getFirst();
    assertThat(version(fixed, "bitsandbytes")).isEqualTo("0.47.0");
    assertThat(fixed.bitsandbytes().orElse(null).loads()).isEqualTo("libbitsandbytes_cuda121.so");
    PythonInfo.BnbSetup broken = seed("seed-case").environments().getFirst().bitsandbytes().orElse(null);
    assertThat(broken.wanted()).isEqualTo("libbitsandbytes_cuda126.so");
    assertThat(broken.loads()).isEqualTo("libbitsandbytes_cpu.so");
    assertThat(broken.why()).contains("LD_LIBRARY_PATH");
  }

  private static String version(PythonEnv e, String name) {
    return e.distributions().stream().filter(d -> d.name().equals(name) && !d.shadowed()).findFirst().orElseThrow().version();
  }

  private void dist(String site, String name, String version) {
    Trees.write(root, site + "/" + name + "-" + version + ".dist-info/METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n\nbody\n");
  }

  private void torch(String site, String version, String cuda, String hip) {
    dist(site, "torch", version);
    Trees.write(root, site + "/torch/version.py", "from typing import Optional\n__version__ = '" + version + "'\ncuda: Optional[str] = "
        + (cuda == null ? "None" : "'" + cuda + "'") + "\nhip: Optional[str] = " + (hip == null ? "None" : "'" + hip + "'") + "\n");
  }

  @Test
  void userSiteTorchShadowsTheEnvironmentsTorch() {
    String env = "/opt/conda/envs/train";
    Trees.touch(root, env + "/conda-meta/history");
    Trees.touch(root, env + "/bin/python3.11");
    Trees.link(root, env + "/bin/python3", "python3.11");
    torch(env + "/lib/python3.11/site-packages", "2.4.0+cu121", "12.1", null);
    torch("/home/u/.local/lib/python3.11/site-packages", "2.6.0+cpu", null, null);
    PythonEnv e = read(Map.of("PATH", env + "/bin:/usr/bin", "HOME", "/home/u")).environments().getFirst();
    assertThat(e.importPath()).containsExactly("/home/u/.local/lib/python3.11/site-packages", env + "/lib/python3.11/site-packages");
    assertThat(e.torch().orElse(null).version()).isEqualTo("2.6.0+cpu");
    assertThat(e.torch().orElse(null).kind()).isEqualTo("cpu");
    assertThat(e.distributions()).filteredOn(d -> d.name().equals("torch")).extracting(PythonInfo.Distribution::shadowed).containsExactly(false, true);
    PythonEnv noUser = read(Map.of("PATH", env + "/bin", "HOME", "/home/u", "PYTHONNOUSERSITE", "1")).environments().getFirst();
    assertThat(noUser.torch().orElse(null).version()).isEqualTo("2.4.0+cu121");
  }

  @Test
  void venvWithoutSystemSitePackagesIgnoresTheUserSite() {
    Trees.write(root, "/opt/torch/.venv/pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.3\n");
    Trees.link(root, "/opt/torch/.venv/bin/python3", "/usr/bin/python3.12");
    Trees.touch(root, "/usr/bin/python3.12");
    torch("/opt/torch/.venv/lib/python3.12/site-packages", "2.11.0+cu130", "13.0", null);
    torch("/root/.local/lib/python3.12/site-packages", "2.0.0+cu117", "11.7", null);
    PythonEnv e = read(Map.of("PATH", "/opt/torch/.venv/bin:/usr/bin", "HOME", "/root")).environments().getFirst();
    assertThat(e.prefix()).isEqualTo("/opt/torch/.venv");
    assertThat(e.kind()).isEqualTo("venv");
    assertThat(e.pythonVersion().orElse(null)).isEqualTo("3.12.3");
    assertThat(e.torch().orElse(null).cuda()).isEqualTo("13.0");
  }

  @Test
  void eggInfoRocmAndOddFiles() throws Exception {
    String site = "/usr/lib/python3.10/site-packages";
    Trees.touch(root, "/usr/bin/python3.10");
    Trees.link(root, "/usr/bin/python3", "python3.10");
    torch(site, "2.5.1+rocm6.2", null, "6.2.41133");
    Trees.write(root, site + "/apex-0.1-py3.10.egg-info", "Metadata-Version: 1.0\nName: apex\nVersion: 0.1\n");
    Trees.write(root, site + "/peft.egg-info/PKG-INFO", "Metadata-Version: 2.1\nName: peft\nVersion: 0.14.0.dev0\n");
    Trees.touch(root, site + "/broken-1.0.dist-info/METADATA");
    // METADATA is read only for the packages that matter; a garbage one there is noted and skipped.
    Path garbage = Trees.touch(root, site + "/xformers-0.0.28.dist-info/METADATA");
    Files.write(garbage, new byte[] {(byte) 0xff, (byte) 0xfe, 'N', 'a', 'm', 'e', ':', ' ', (byte) 0xc3});
    PythonEnv e = read(Map.of("PATH", "/usr/bin")).environments().getFirst();
    assertThat(e.torch().orElse(null).kind()).isEqualTo("rocm");
    assertThat(version(e, "apex")).isEqualTo("0.1");
    assertThat(version(e, "peft")).isEqualTo("0.14.0.dev0");
    assertThat(e.distributions()).extracting(PythonInfo.Distribution::name).doesNotContain("xformers");
    assertThat(e.distributions()).filteredOn(d -> d.name().equals("broken")).singleElement()
        .satisfies(d -> assertThat(d.versionFrom()).isEqualTo("directory name"));
    Trees.write(root, site + "/torch/version.py", "import os\nVERSION = os.environ['X']\n");
    assertThat(read(Map.of("PATH", "/usr/bin")).environments().getFirst().torch()).isInstanceOf(Observation.Failed.class);
  }

  @Test
  void editableInstallsAndCompiledExtensions() {
    String site = "/opt/ft/lib/python3.10/site-packages";
    Trees.touch(root, "/opt/ft/bin/python3");
    Trees.write(root, "/opt/ft/pyvenv.cfg", "version = 3.10.14\n");
    dist(site, "peft", "0.14.0.dev0");
    Trees.write(root, site + "/peft-0.14.0.dev0.dist-info/direct_url.json", "{\"url\": \"file:///src/peft\", \"dir_info\": {\"editable\": true}}");
    dist(site, "mylib", "0.1");
    Trees.write(root, site + "/__editable__.mylib-0.1.pth", "/src/mylib\n");
    // An old-style develop install: a .pth line pointing at a source tree that holds the egg-info.
    Trees.write(root, site + "/easy-install.pth", "import sys; sys.__plen = len(sys.path)\n/src/oldlib\n");
    Trees.write(root, "/src/oldlib/oldlib.egg-info/PKG-INFO", "Metadata-Version: 1.1\nName: oldlib\nVersion: 0.3\n");
    dist(site, "flash_attn", "2.7.4.post1");
    Trees.touch(root, site + "/flash_attn_2_cuda.cpython-310-x86_64-linux-gnu.so");
    Trees.touch(root, site + "/flash_attn/__init__.py");
    dist(site, "deepspeed", "0.16.4");
    Trees.touch(root, site + "/deepspeed/ops/adam/cpu_adam_op.cpython-310-x86_64-linux-gnu.so");
    PythonEnv e = read(Map.of("PATH", "/opt/ft/bin")).environments().getFirst();
    assertThat(e.distributions()).filteredOn(PythonInfo.Distribution::editable).extracting(PythonInfo.Distribution::name)
        .containsExactlyInAnyOrder("peft", "mylib");
    // /src/mylib does not exist in this tree, so it adds nothing to the path.
    assertThat(e.importPath()).containsExactly(site, "/src/oldlib");
    assertThat(version(e, "oldlib")).isEqualTo("0.3");
    assertThat(e.frameworks()).filteredOn(f -> f.name().equals("flash_attn")).singleElement()
        .satisfies(f -> assertThat(f.extensions()).containsExactly("flash_attn_2_cuda.cpython-310-x86_64-linux-gnu.so"));
    assertThat(e.frameworks()).filteredOn(f -> f.name().equals("deepspeed")).singleElement()
        .satisfies(f -> assertThat(f.extensions()).containsExactly("deepspeed/ops/adam/cpu_adam_op.cpython-310-x86_64-linux-gnu.so"));
  }

  @Test
  void aSitePackagesWith20000Entries() {
    String site = "/opt/big/lib/python3.11/site-packages";
    Trees.touch(root, "/opt/big/bin/python3");
    Trees.touch(root, "/opt/big/pyvenv.cfg");
    for (int i = 0; i < 20_000; i++) {
      Trees.touch(root, site + "/module_" + i + ".py");
    }
    dist(site, "transformers", "4.57.1");
    PythonEnv e = read(Map.of("PATH", "/opt/big/bin")).environments().getFirst();
    assertThat(version(e, "transformers")).isEqualTo("4.57.1");
  }
}
