package dev.cudastack.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cudastack.check.Fix;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The marked block, its merge into a user's file, and the --dry-run diff. */
class FixScriptTest {
  private static final List<Fix> FIXES = List.of(new Fix.PrependEnv("PATH", "/usr/local/cuda-12.6/bin", "nvcc first"),
      new Fix.PrependEnv("LD_LIBRARY_PATH", "/usr/local/cuda-12.6/lib64", "libraries"), new Fix.SetEnv("CUDA_HOME", "/usr/local/cuda-12.6", "builds"),
      new Fix.UnsetEnv("BNB_CUDA_VERSION", "follow torch"));

  @Test
  void blocksForEachShell() {
    String bash = FixScript.block(FIXES, FixScript.Shell.BASH, List.of("for /env"));
    assertThat(bash).startsWith(FixScript.BEGIN + "\n# for /env\n").endsWith(FixScript.END + "\n")
        .contains("export PATH=\"/usr/local/cuda-12.6/bin:$PATH\"\n")
        .contains("export LD_LIBRARY_PATH=\"/usr/local/cuda-12.6/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\"\n")
        .contains("export CUDA_HOME='/usr/local/cuda-12.6'\n").contains("unset BNB_CUDA_VERSION\n");
    String fish = FixScript.block(FIXES, FixScript.Shell.FISH, List.of());
    assertThat(fish).contains("set -gx PATH '/usr/local/cuda-12.6/bin' $PATH\n").contains("set -e BNB_CUDA_VERSION\n").doesNotContain("export");
    // A newline in a value from the machine cannot become a command in a comment.
    String hostile = FixScript.block(List.of(new Fix.SetEnv("CUDA_HOME", "/x", "was /y\nrm -rf ~")), FixScript.Shell.BASH, List.of("a\nb"));
    assertThat(hostile.lines()).noneMatch(l -> l.startsWith("rm") || l.equals("b"));
    // Odd characters in values are quoted, not interpreted.
    assertThat(FixScript.block(List.of(new Fix.PrependEnv("PATH", "/opt/$(reboot)/bin", "x")), FixScript.Shell.BASH, List.of()))
        .contains("export PATH=\"/opt/\\$(reboot)/bin:$PATH\"");
  }

  @Test
  void mergeAppendsOnceThenReplacesInPlace() throws Exception {
    String block = FixScript.block(FIXES, FixScript.Shell.BASH, List.of());
    String mine = "alias ll='ls -l'\nexport EDITOR=vi";
    String once = FixScript.merge(mine, block);
    assertThat(once).isEqualTo(mine + "\n\n" + block);
    assertThat(FixScript.merge(once, block)).isEqualTo(once);
    String other = FixScript.block(List.of(new Fix.SetEnv("DS_SKIP_CUDA_CHECK", "1", "ds")), FixScript.Shell.BASH, List.of());
    String tail = once + "# after\n";
    String replaced = FixScript.merge(tail, other);
    assertThat(replaced).startsWith(mine).contains("DS_SKIP_CUDA_CHECK").doesNotContain("cuda-12.6").endsWith("# after\n");
    assertThat(FixScript.merge(null, block)).isEqualTo(block);
  }

  @Test
  void brokenMarkersAreRefusedNeverGuessed() throws Exception {
    String block = FixScript.block(FIXES, FixScript.Shell.BASH, List.of());
    assertThatThrownBy(() -> FixScript.merge("x\n" + FixScript.BEGIN + "\ny\n", block)).isInstanceOf(FixScript.BrokenMarkers.class);
    assertThatThrownBy(() -> FixScript.merge(block + block, block)).isInstanceOf(FixScript.BrokenMarkers.class);
    // A marker inside another line is not a marker: the line is kept whole.
    String quoted = "alias x='echo " + FixScript.BEGIN + "'\nnext\n";
    assertThat(FixScript.merge(quoted, block)).startsWith(quoted).endsWith(block);
  }

  @Test
  void dryRunDiffShowsOnlyTheChange() {
    StringBuilder big = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      big.append("line ").append(i).append('\n');
    }
    String after = big + "\n# >>> new\n";
    List<String> d = FixScript.diff(big.toString(), after);
    assertThat(d).contains("+", "+# >>> new").anyMatch(l -> l.startsWith("@@ 19999 unchanged"));
    assertThat(d.size()).isLessThan(10);
    assertThat(FixScript.diff(null, "a\nb\n")).containsExactly("+a", "+b");
  }
}
