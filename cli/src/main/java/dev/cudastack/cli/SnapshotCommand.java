package dev.cudastack.cli;

import dev.cudastack.json.SnapshotJson;
import dev.cudastack.model.Snapshot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cudastack snapshot}: write the snapshot JSON to standard output or a new file. */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    versionProvider = CudastackCommand.Version.class,
    description = "Write the machine's snapshot as JSON (replay it elsewhere with doctor --snapshot FILE).")
final class SnapshotCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Mixin TargetOptions target;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of standard output (refuses to overwrite unless --force).")
  Path file;

  @Option(names = "--force", description = "Overwrite FILE if it exists.")
  boolean force;

  @Spec CommandSpec spec;

  SnapshotCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (file != null && Files.exists(file) && !force) {
      err.println("cudastack: " + file + " exists; not overwriting it (use --force)");
      return ExitCodes.TOOL_FAILED;
    }
    java.util.Optional<Snapshot> loaded = Targets.loadOrExplain(target, env, err);
    if (loaded.isEmpty()) {
      return ExitCodes.TOOL_FAILED;
    }
    Snapshot s = loaded.get();
    String json = SnapshotJson.write(s);
    if (file == null) {
      out.println(json);
      out.flush();
      return ExitCodes.OK;
    }
    try {
      Path dir = file.toAbsolutePath().getParent();
      Path tmp = Files.createTempFile(dir, ".cudastack-snapshot", ".tmp");
      Files.writeString(tmp, json + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      err.println("cudastack: snapshot written to " + file);
      return ExitCodes.OK;
    } catch (IOException | RuntimeException e) {
      err.println("cudastack: cannot write " + file + ": " + e.getMessage());
      return ExitCodes.TOOL_FAILED;
    }
  }
}
