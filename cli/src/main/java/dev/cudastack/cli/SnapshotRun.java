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

/** {@code cudastack snapshot}: write the snapshot JSON to standard output or a new file. */
final class SnapshotRun {
  private final Map<String, String> env;
  private final TargetOptions target;
  private final Path file;
  private final boolean force;
  private final PrintWriter out;
  private final PrintWriter err;

  SnapshotRun(Map<String, String> env, TargetOptions target, Path file, boolean force, PrintWriter out, PrintWriter err) {
    this.env = env;
    this.target = target;
    this.file = file;
    this.force = force;
    this.out = out;
    this.err = err;
  }

  int run() {
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
