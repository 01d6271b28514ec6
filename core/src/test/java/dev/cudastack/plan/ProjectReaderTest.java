package dev.cudastack.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.testing.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dependency-file readers on the real projects' files and on broken ones. */
class ProjectReaderTest {
  private static final Path PROJECTS = Shared.dir().resolve("projects");

  @Test
  void moeloraRequirementsKeepTheLocalLabelAndNormaliseNames() {
    Project p = ProjectReader.read(PROJECTS.resolve("liuqidong07__MOELoRA-peft/requirements.txt"));
    Map<String, String> specs = ProjectReader.specs(p);
    assertThat(specs).containsEntry("torch", "==1.12.0+cu102").containsEntry("bitsandbytes", "==0.41.1").containsEntry("deepspeed", "==0.9.4")
        .containsEntry("intel-extension-for-pytorch", "==2.0.100");
    assertThat(p.get("torch").orElseThrow().origin()).isEqualTo("requirements.txt:26");
    assertThat(p.get("torch").orElseThrow().pinned()).isEqualTo("1.12.0");
  }

  @Test
  void aDirectReferenceToAWheelIsReadAsAPinOfItsFileNamesVersion(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("requirements.txt"), String.join("\n",
        "torch @ https://download.pytorch.org/whl/cu121/torch-2.1.0%2Bcu121-cp310-cp310-linux_x86_64.whl",
        "https://download.pytorch.org/whl/cu121/torchvision-0.16.0+cu121-cp310-cp310-linux_x86_64.whl#sha256=abc",
        "flash-attn @ https://github.com/Dao-AILab/flash-attention/releases/download/v2.5.8/flash_attn-2.5.8+cu122torch2.1cxx11abiFALSE-cp310-cp310-linux_x86_64.whl ; python_version == '3.10'",
        "peft @ git+https://github.com/huggingface/peft.git@v0.7.1",
        "xformers @ https://example.org/xformers-0.0.23-1-cp310-cp310-manylinux2014_x86_64.whl",
        ""));
    Project p = ProjectReader.read(dir.resolve("requirements.txt"));
    Requirement torch = p.get("torch").orElseThrow();
    assertThat(torch.pinned()).isEqualTo("2.1.0");
    assertThat(torch.local()).isEqualTo("cu121");
    assertThat(torch.url()).startsWith("https://download.pytorch.org/whl/cu121/");
    assertThat(p.get("torchvision").orElseThrow().pinned()).isEqualTo("0.16.0");
    Requirement fa = p.get("flash-attn").orElseThrow();
    assertThat(fa.pinned()).isEqualTo("2.5.8");
    assertThat(fa.local()).isEqualTo("cu122torch2.1cxx11abifalse");
    assertThat(fa.marker()).isEqualTo("python_version == '3.10'");
    assertThat(p.get("peft").orElseThrow().pinned()).isNull();
    assertThat(p.get("xformers").orElseThrow().pinned()).as("a build tag is not the version").isEqualTo("0.0.23");
  }

  @Test
  void uvAndPoetryIndexesMultipleConstraintsAndGroupsAreRead() {
    Project p = ProjectReader.read(Path.of("src/test/fixtures/plan/uv-poetry-pyproject.toml"));
    assertThat(p.indexUrls()).contains("https://download.pytorch.org/whl/cu124");
    assertThat(p.pythonRequires()).as("a group's python key is not the project's").isEqualTo(">=3.10,<4");
    List<Requirement> torch = p.requirements().stream().filter(r -> r.name().equals("torch")).toList();
    assertThat(torch).extracting(Requirement::marker).containsExactly("sys_platform == 'linux'", "sys_platform == 'darwin'");
    assertThat(torch).allSatisfy(r -> assertThat(r.pinned()).isEqualTo("2.5.1"));
    Requirement fa = p.get("flash-attn").orElseThrow();
    assertThat(fa.pinned()).isEqualTo("2.7.0.post2");
    assertThat(fa.marker()).isEqualTo("sys_platform == 'linux'");
    assertThat(ProjectReader.specs(p)).containsEntry("deepspeed", "==0.15.4").containsEntry("bitsandbytes", ">=0.45").containsEntry("pytest", ">=8.0,<9");
  }

  @Test
  void commentsQuotesIncludeGroupsAndPoetryPythonRangesAreRead() {
    Project p = ProjectReader.read(Path.of("src/test/fixtures/plan/tricky-pyproject.toml"));
    Map<String, String> specs = ProjectReader.specs(p);
    assertThat(specs).doesNotContainKeys("numpy", "test", "namepytorch", "priorityexplicit");
    assertThat(specs).containsKeys("pytest", "ruff", "accelerate");
    assertThat(p.get("bitsandbytes").orElseThrow().pinned()).as("a '#' inside a single-quoted string is not a comment").isEqualTo("0.45.0");
    assertThat(p.get("accelerate").orElseThrow().marker()).isEqualTo("python_version >= \"3.10\"");
    assertThat(p.indexUrls()).contains("https://download.pytorch.org/whl/cu121");
    List<Requirement> torch = p.requirements().stream().filter(r -> r.name().equals("torch")).toList();
    assertThat(torch).extracting(Requirement::pinned).containsExactly("2.1.2", "2.3.1");
    assertThat(torch).extracting(Requirement::marker).containsExactly("python_version < '3.12'", "python_version >= '3.12'");
    assertThat(Markers.evaluate(torch.getFirst().marker(), "3.12")).contains(false);
    Requirement tv = p.get("torchvision").orElseThrow();
    assertThat(tv.pinned()).isEqualTo("0.16.2");
    assertThat(tv.local()).isEqualTo("cu121");
  }

  @Test
  void hostileFilesAreReadInBoundedTime(@TempDir Path dir) throws Exception {
    StringBuilder arr = new StringBuilder("[project]\ndependencies = [\n");
    for (int i = 0; i < 40000; i++) {
      arr.append("  \"pkg").append(i).append("\",\n");
    }
    arr.append("]\n");
    List<String> files = List.of("[tool.poetry.dependencies]\ntorch = \"" + "a".repeat(6000) + "\"\n", "[project]\nrequires-python = \">" + ">".repeat(6000) + "\n",
        "[[" + " ".repeat(4000) + "x\n", arr.toString());
    for (int i = 0; i < files.size(); i++) {
      Path f = Files.writeString(dir.resolve("pyproject.toml"), files.get(i));
      Project p = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> ProjectReader.read(f), "file " + i);
      if (i == 3) {
        assertThat(p.requirements()).hasSize(40000);
      }
    }
    Path req = Files.writeString(dir.resolve("requirements.txt"), "torch" + " ".repeat(200000) + "x\ntorch==2.1.0" + " ".repeat(200000) + "x\n");
    Project r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> ProjectReader.read(req));
    assertThat(r.notes()).anyMatch(n -> n.contains("cannot read"));
  }

  @Test
  void aHugeCaretVersionDoesNotOverflow() {
    assertThat(ProjectReader.poetry("^99999999999999999999999.1")).isEqualTo(">=99999999999999999999999.1,<100000000000000000000000");
  }

  @Test
  void condaEnvironmentGivesPythonAndThePipSection() {
    Project p = ProjectReader.read(PROJECTS.resolve("liuqidong07__MOELoRA-peft/environment.yml"));
    assertThat(p.pythonPinned()).isEqualTo("3.9.5");
    assertThat(ProjectReader.specs(p)).containsEntry("torch", "==1.12.0+cu102").containsEntry("torchaudio", "==0.12.0+cu102");
    assertThat(p.get("torchvision").orElseThrow().origin()).endsWith("(pip)");
  }

  @Test
  void dockerBaseImageIsACudaHint() {
    Project p = ProjectReader.read(PROJECTS.resolve("tloen__alpaca-lora"));
    assertThat(p.cudaHint()).isEqualTo("11.8");
    assertThat(p.cudaHintFrom()).startsWith("Dockerfile:1");
    assertThat(p.notes()).anyMatch(n -> n.contains("installs from https://download.pytorch.org/whl/nightly/cu118"));
  }

  @Test
  void pyprojectDependenciesAndRequiresPython() {
    Project p = ProjectReader.read(PROJECTS.resolve("hiyouga__LLaMA-Factory"));
    assertThat(p.pythonRequires()).isEqualTo(">=3.11.0");
    assertThat(ProjectReader.specs(p)).containsEntry("torch", ">=2.4.0");
    assertThat(p.notes()).anyMatch(n -> n.startsWith("requirements/:") && n.contains("bitsandbytes.txt"));
  }

  @Test
  void markersAreKeptAndEvaluatedForALinuxTarget() {
    Project p = ProjectReader.read(PROJECTS.resolve("hiyouga__LLaMA-Factory/v0.9.3/requirements.txt"));
    assertThat(p.requirements().stream().filter(r -> r.name().equals("transformers")).map(Requirement::marker)).containsExactly("sys_platform != 'darwin'",
        "sys_platform == 'darwin'");
    assertThat(Markers.evaluate("sys_platform != 'darwin'", null)).contains(true);
    assertThat(Markers.evaluate("sys_platform == 'darwin'", null)).contains(false);
    assertThat(Markers.evaluate("python_version >= \"3.10\" and platform_system == 'Linux'", "3.9")).contains(false);
    assertThat(Markers.evaluate("(python_version < '3.10' or os_name == 'nt') and platform_machine == 'x86_64'", "3.9")).contains(true);
    assertThat(Markers.evaluate("python_version >= '3.10'", null)).isEmpty();
    assertThat(Markers.evaluate("extra == 'deepspeed'", "3.11")).isEmpty();
    assertThat(Markers.evaluate("sys_platform == 'win32' and python_version >= '3.10'", null)).as("false and unknown").contains(false);
    assertThat(Markers.evaluate("this is not a marker", "3.11")).isEmpty();
  }

  @Test
  void fullPipSyntax(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("base.txt"), "numpy>=1.24,!=1.25.0  # pinned below 2\n");
    Files.writeString(dir.resolve("requirements.txt"), String.join("\n",
        "--index-url https://download.pytorch.org/whl/cu121",
        "--extra-index-url=https://pypi.org/simple",
        "-f https://data.pyg.org/whl/torch-2.1.0+cu121.html",
        "-r base.txt",
        "torch==2.1.2 \\",
        "    ; python_version >= '3.8'",
        "accelerate~=0.25",
        "peft[test] >= 0.6, <0.8",
        "flash-attn @ https://github.com/Dao-AILab/flash-attention/releases/download/v2.5.6/flash_attn-2.5.6+cu122torch2.1cxx11abiFALSE-cp310-cp310-linux_x86_64.whl",
        "git+https://github.com/huggingface/transformers.git@v4.36.0#egg=transformers",
        "-e .",
        "# a comment",
        "not a requirement !!",
        ""));
    Project p = ProjectReader.read(dir.resolve("requirements.txt"));
    assertThat(p.indexUrls()).containsExactly("https://download.pytorch.org/whl/cu121", "https://pypi.org/simple");
    assertThat(p.findLinks()).containsExactly("https://data.pyg.org/whl/torch-2.1.0+cu121.html");
    Requirement torch = p.get("torch").orElseThrow();
    assertThat(torch.pinned()).isEqualTo("2.1.2");
    assertThat(torch.marker()).isEqualTo("python_version >= '3.8'");
    assertThat(torch.origin()).isEqualTo("requirements.txt:5");
    assertThat(p.get("numpy").orElseThrow().spec()).isEqualTo(">=1.24,!=1.25.0");
    assertThat(p.get("peft").orElseThrow().extras()).containsExactly("test");
    assertThat(p.get("peft").orElseThrow().spec()).isEqualTo(">=0.6,<0.8");
    assertThat(p.get("flash-attn").orElseThrow().url()).contains("cu122torch2.1");
    assertThat(p.get("transformers").orElseThrow().url()).startsWith("git+");
    assertThat(p.notes()).anyMatch(n -> n.contains("cannot read 'not a requirement !!'")).anyMatch(n -> n.contains("editable ."));
  }

  @Test
  void includeLoopsAreCutAndSaid(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.txt"), "-r b.txt\ntorch==2.4.0\n");
    Files.writeString(dir.resolve("b.txt"), "-c a.txt\nbitsandbytes==0.43.1\n");
    Project p = ProjectReader.read(dir.resolve("a.txt"));
    assertThat(ProjectReader.specs(p)).containsEntry("torch", "==2.4.0").containsEntry("bitsandbytes", "==0.43.1");
    assertThat(p.notes()).anyMatch(n -> n.contains("include loop"));
  }

  @Test
  void aMegabyteLineIsSkippedAndTheRestRead(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("requirements.txt"), "torch==2.4.0\n" + "x".repeat(1 << 20) + "y\nbitsandbytes==0.44.1\n");
    Project p = ProjectReader.read(dir.resolve("requirements.txt"));
    assertThat(ProjectReader.specs(p)).containsOnlyKeys("torch", "bitsandbytes");
    assertThat(p.notes()).anyMatch(n -> n.contains(":2: a line longer than 1 MB"));
  }

  @Test
  void unreadableAndMissingFilesAreSaidNotThrown(@TempDir Path dir) throws Exception {
    Files.createSymbolicLink(dir.resolve("requirements.txt"), dir.resolve("gone.txt"));
    Files.createDirectory(dir.resolve("environment.yml"));
    Project p = ProjectReader.read(dir);
    assertThat(p.requirements()).isEmpty();
    assertThat(p.notes()).anyMatch(n -> n.contains("no requirements.txt")).anyMatch(n -> n.endsWith("requirements.txt: cannot read (a broken link or not a regular file)"))
        .anyMatch(n -> n.endsWith("environment.yml: cannot read (a directory)"));
    Project one = ProjectReader.read(dir.resolve("requirements.txt"));
    assertThat(one.notes()).anyMatch(n -> n.contains("cannot read"));
  }

  @Test
  void setupPyLiteralListIsReadAndComputedOneIsSaid(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("setup.py"), "from setuptools import setup\nsetup(name='x', install_requires=[\n  'torch>=2.0',\n  \"bitsandbytes==0.45.0\",\n])\n");
    Project p = ProjectReader.read(dir.resolve("setup.py"));
    assertThat(ProjectReader.specs(p)).containsEntry("torch", ">=2.0").containsEntry("bitsandbytes", "==0.45.0");
    Project real = ProjectReader.read(PROJECTS.resolve("hiyouga__LLaMA-Factory/v0.9.3/setup.py"));
    assertThat(real.requirements()).isEmpty();
    assertThat(real.notes()).anyMatch(n -> n.contains("install_requires is computed (get_requires())"));
  }

  @Test
  void poetryCaretsBecomeRanges(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("pyproject.toml"), "[tool.poetry.dependencies]\npython = \"^3.10\"\ntorch = { version = \"^2.1.0\", source = \"pytorch\" }\nbitsandbytes = \"~0.42\"\n");
    Project p = ProjectReader.read(dir.resolve("pyproject.toml"));
    assertThat(p.pythonRequires()).isEqualTo(">=3.10,<4");
    assertThat(ProjectReader.specs(p)).containsEntry("torch", ">=2.1.0,<3").containsEntry("bitsandbytes", ">=0.42,<0.43");
    assertThat(Optional.ofNullable(p.cudaHint())).isEmpty();
  }

  @Test
  void byteOrderMarkCrlfHashesTabsAndTripleEqualsAreRead(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("requirements.txt"), ("\uFEFFtorch==2.1.0\t# pinned\r\nbitsandbytes==0.41.1 \\\r\n  --hash=sha256:abc\r\n"
        + "xformers===0.0.23\r\ntorchvision==0.16\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Project p = ProjectReader.read(dir.resolve("requirements.txt"));
    assertThat(ProjectReader.specs(p)).containsEntry("torch", "==2.1.0").containsEntry("bitsandbytes", "==0.41.1").containsEntry("xformers", "===0.0.23");
    assertThat(p.get("xformers").orElseThrow().pinned()).isEqualTo("0.0.23");
    assertThat(p.get("torchvision").orElseThrow().pinned()).as("==0.16 is 0.16.0").isEqualTo("0.16.0");
    assertThat(p.notes()).noneMatch(n -> n.contains("cannot read"));
  }

  @Test
  void condaPrefixPinsAndChannelsAndBinaryFiles(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("environment.yml"), "channels:\n  - pytorch\ndependencies:\n  - python=3.10\n  - pytorch::pytorch=2.1\n  - nvidia::pytorch-cuda=11.8\n");
    Project p = ProjectReader.read(dir.resolve("environment.yml"));
    assertThat(ProjectReader.specs(p)).containsEntry("torch", "==2.1.*");
    assertThat(p.cudaHint()).isEqualTo("11.8");
    Files.write(dir.resolve("requirements.txt"), new byte[] {'t', 'o', 'r', 'c', 'h', 0, 1, 2, '\n', 27, '[', '2', 'J'});
    Project bin = ProjectReader.read(dir.resolve("requirements.txt"));
    assertThat(bin.requirements()).isEmpty();
    assertThat(bin.notes()).hasSize(1).first().asString().contains("a binary file");
  }
}
