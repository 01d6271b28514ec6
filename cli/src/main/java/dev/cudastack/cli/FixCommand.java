package dev.cudastack.cli;

import dev.cudastack.check.Checks;
import dev.cudastack.check.Diagnosis;
import dev.cudastack.check.Fix;
import dev.cudastack.check.Proposal;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.model.PythonInfo.PythonEnv;
import dev.cudastack.model.Snapshot;
import dev.cudastack.report.FixScript;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cudastack fix}: the environment part of the doctor's fixes as a shell script. Prints it,
 * or writes it (--write) into an activation script or a file the user names, between marker
 * lines, with a timestamped backup of a changed file and an atomic replace. Installs nothing.
 */
@Command(
    name = "fix",
    mixinStandardHelpOptions = true,
    versionProvider = CudastackCommand.Version.class,
    description = {"Print (or write) the environment lines that fix what the doctor found: PATH, LD_LIBRARY_PATH, CUDA_HOME, ...",
        "Install commands are printed, never run."})
final class FixCommand implements Callable<Integer> {
  private final Map<String, String> env;
  private final Clock clock;

  @Mixin TargetOptions target;

  @Option(names = "--shell", paramLabel = "SHELL", description = "bash, zsh or fish (default: from $SHELL, else bash).")
  String shell;

  @Option(names = "--write", arity = "0..1", fallbackValue = "", paramLabel = "FILE",
      description = "Write the lines into FILE (default: an activation script of the environment: $CONDA_PREFIX/etc/conda/activate.d/cudastack.sh, or $VIRTUAL_ENV/bin/cudastack-activate.sh). "
          + "A second run replaces its own block; a changed existing file is backed up first.")
  String write;

  @Option(names = "--dry-run", description = "With --write: show the change as a diff and write nothing.")
  boolean dryRun;

  @Option(names = "--kb", paramLabel = "DIR", description = "Use an updated knowledge base (a directory of tables).")
  Path kb;

  @Spec CommandSpec spec;

  FixCommand(Map<String, String> env, Clock clock) {
    this.env = env;
    this.clock = clock;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    FixScript.Shell sh;
    try {
      sh = FixScript.Shell.parse(shell != null ? shell : defaultShell());
    } catch (IllegalArgumentException e) {
      err.println("cudastack: --shell must be bash, zsh or fish, not '" + shell + "'");
      return ExitCodes.TOOL_FAILED;
    }
    Optional<Snapshot> loaded = Targets.loadOrExplain(target, env, err);
    if (loaded.isEmpty()) {
      return ExitCodes.TOOL_FAILED;
    }
    Snapshot s = loaded.get();
    Diagnosis d = Checks.run(s, kb == null ? KnowledgeBase.bundled() : KnowledgeBase.from(kb));
    List<Fix> fixes = FixScript.environment(d);
    List<Fix> installs = FixScript.installs(d);
    if (fixes.isEmpty()) {
      out.println("# cudastack fix: nothing to change in the environment (" + (d.findings().isEmpty() ? "no findings" : "the findings' fixes are not environment changes; see cudastack doctor") + ")");
      printInstalls(out, installs);
      out.flush();
      return ExitCodes.OK;
    }
    Optional<String> prefix = d.proposals().stream().map(Proposal::prefix).findFirst();
    List<String> header = new ArrayList<>();
    header.add("written by cudastack fix; remove this block to undo" + prefix.map(p -> "; for " + p).orElse(""));
    String block = FixScript.block(fixes, sh, header);
    if (write == null) {
      out.print(block);
      printInstalls(out, installs);
      out.flush();
      return ExitCodes.OK;
    }
    Path file;
    if (!write.isEmpty()) {
      file = Path.of(write);
    } else {
      Optional<Path> def = defaultFile(s, prefix, sh);
      if (def.isEmpty()) {
        err.println("cudastack: --write needs a FILE here: "
            + (s.inspection().isRoot() || s.inspection().replayedFrom() != null ? "the environment inspected is not on this machine" : "no conda or virtual environment to put an activation script in"));
        return ExitCodes.TOOL_FAILED;
      }
      file = def.get();
    }
    try {
      return writeBlock(file, block, write.isEmpty(), out, installs);
    } catch (IOException e) {
      err.println("cudastack: cannot write " + file + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + " (nothing was changed)");
      return ExitCodes.TOOL_FAILED;
    }
  }

  private int writeBlock(Path named, String block, boolean ownFile, PrintWriter out, List<Fix> installs) throws IOException {
    // Write through a symlink (a dotfile manager's ~/.bashrc) to the file it points at.
    Path file = Files.isSymbolicLink(named) ? named.toRealPath() : named;
    boolean exists = Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    if (exists && !Files.isRegularFile(file)) {
      throw new IOException("not a regular file");
    }
    String before = exists ? Files.readString(file, StandardCharsets.UTF_8) : null;
    String after;
    try {
      after = FixScript.merge(before, block);
    } catch (FixScript.BrokenMarkers e) {
      throw new IOException(e.getMessage());
    }
    if (after.equals(before)) {
      out.println("cudastack: " + file + " already has these lines; nothing changed");
      printInstalls(out, installs);
      out.flush();
      return ExitCodes.OK;
    }
    if (dryRun) {
      out.println("--- " + file + (exists ? "" : " (new file)"));
      out.println("+++ " + file + " (after cudastack fix)");
      FixScript.diff(before, after).forEach(out::println);
      out.println("cudastack: --dry-run: nothing written");
      out.flush();
      return ExitCodes.OK;
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path backup = null;
    if (exists) {
      String stamp = file.getFileName() + ".cudastack-backup-" + LocalDateTime.now(clock).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
      backup = file.resolveSibling(stamp);
      for (int n = 1; Files.exists(backup, LinkOption.NOFOLLOW_LINKS); n++) {
        backup = file.resolveSibling(stamp + "-" + n);
      }
      Files.copy(file, backup, StandardCopyOption.COPY_ATTRIBUTES);
    }
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".cudastack", ".tmp");
    try {
      Files.writeString(tmp, after, StandardCharsets.UTF_8);
      try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        c.force(true);
      }
      try {
        if (exists) {
          Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(file));
          try {
            Files.setOwner(tmp, Files.getOwner(file));
          } catch (IOException e) {
            // not allowed to give it away (not root): it stays ours, which it was if we could write it
          }
        } else {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        }
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: keep the default permissions
      }
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    out.println("cudastack: " + (exists ? "updated " : "wrote ") + file + (backup == null ? "" : " (the previous version is in " + backup + ")"));
    if (ownFile && file.toString().contains("/etc/conda/activate.d/")) {
      out.println("cudastack: conda runs it at each activation; re-activate the environment (or source the file) to apply it now."
          + " Deactivation does not undo it: remove the file to stop it");
    } else if (ownFile) {
      out.println("cudastack: source it after activating the environment (or add '. " + file + "' to its bin/activate)");
    } else {
      out.println("cudastack: open a new shell (or source " + file + ") to apply it");
    }
    printInstalls(out, installs);
    out.flush();
    return ExitCodes.OK;
  }

  private static void printInstalls(PrintWriter out, List<Fix> installs) {
    if (installs.isEmpty()) {
      return;
    }
    out.println("# then run (cudastack installs nothing itself):");
    for (Fix f : installs) {
      out.println("#   " + f.shell());
    }
  }

  private String defaultShell() {
    String sh = env.getOrDefault("SHELL", "");
    String base = sh.substring(sh.lastIndexOf('/') + 1);
    return base.equals("zsh") || base.equals("fish") ? base : "bash";
  }

  /** The activation script of the environment the fix is for, on this machine only. */
  private static Optional<Path> defaultFile(Snapshot s, Optional<String> prefix, FixScript.Shell sh) {
    if (s.inspection().isRoot() || s.inspection().replayedFrom() != null) {
      return Optional.empty();
    }
    Optional<PythonEnv> e = s.python().environments().stream()
        .filter(x -> prefix.map(p -> p.equals(x.prefix())).orElse(x.foundBy().stream().anyMatch(b -> !b.equals("conda env") && !b.equals("python3 on PATH"))))
        .findFirst();
    if (e.isEmpty()) {
      return Optional.empty();
    }
    String ext = sh == FixScript.Shell.FISH ? ".fish" : ".sh";
    if (e.get().kind().equals("conda")) {
      return Optional.of(Path.of(e.get().prefix(), "etc", "conda", "activate.d", "cudastack" + ext));
    }
    if (e.get().kind().equals("venv")) {
      return Optional.of(Path.of(e.get().prefix(), "bin", "cudastack-activate" + ext));
    }
    return Optional.empty();
  }
}
