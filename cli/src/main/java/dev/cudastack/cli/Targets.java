package dev.cudastack.cli;

import dev.cudastack.json.JsonException;
import dev.cudastack.json.SnapshotJson;
import dev.cudastack.model.Inspection;
import dev.cudastack.model.Snapshot;
import dev.cudastack.probe.EnvFile;
import dev.cudastack.probe.Machine;
import dev.cudastack.probe.SnapshotTaker;
import dev.cudastack.probe.ToolVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns target options into a snapshot: probed live, probed from a tree, or replayed. */
final class Targets {
  /** A problem with the user's input: a clear message and exit code 3, never a stack trace. */
  static final class UsageProblem extends Exception {
    UsageProblem(String message) {
      super(message);
    }
  }

  private Targets() {}

  /** Loads the target, or says why not on {@code err}; empty means exit code 3. */
  static java.util.Optional<Snapshot> loadOrExplain(TargetOptions t, Map<String, String> processEnv, java.io.PrintWriter err) {
    try {
      return java.util.Optional.of(load(t, processEnv));
    } catch (UsageProblem e) {
      err.println("cudastack: " + e.getMessage());
      return java.util.Optional.empty();
    }
  }

  static Snapshot load(TargetOptions t, Map<String, String> processEnv) throws UsageProblem {
    Snapshot s = t.snapshot != null ? replay(t) : probe(t, processEnv);
    return t.anonymize ? SnapshotJson.anonymize(s) : s;
  }

  private static Snapshot replay(TargetOptions t) throws UsageProblem {
    if (t.root != null || t.envFile != null || !t.env.isEmpty() || !t.pythons.isEmpty() || t.deep) {
      throw new UsageProblem("--snapshot replays a saved snapshot; it cannot be combined with --root, --env-file, --env, --python or --deep");
    }
    String text;
    try {
      text = t.snapshot.equals("-")
          ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
          : Files.readString(Path.of(t.snapshot), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new UsageProblem("cannot read snapshot " + t.snapshot + ": " + describe(e));
    }
    try {
      Snapshot s = SnapshotJson.read(text);
      return s.withInspection(s.inspection().withReplayedFrom(t.snapshot));
    } catch (JsonException e) {
      throw new UsageProblem("cannot read snapshot " + t.snapshot + ": " + e.getMessage());
    }
  }

  /** The machine the target options describe (live or a tree, with its environment), for reading files on it. */
  static Machine machine(TargetOptions t, Map<String, String> processEnv) throws UsageProblem {
    if (t.snapshot != null) {
      throw new UsageProblem("--snapshot holds facts, not files: this command reads the files themselves; use --root");
    }
    Map<String, String> env = environment(t, processEnv);
    Duration timeout = Duration.ofMillis((long) (Math.max(0.001, Math.min(600, t.probeTimeoutSeconds)) * 1000));
    if (t.root != null) {
      if (!Files.isDirectory(t.root)) {
        throw new UsageProblem("--root " + t.root + " is not a directory");
      }
      return Machine.rooted(t.root, env, timeout);
    }
    return Machine.live(env, timeout);
  }

  /** The inspection's environment: --env-file (else this process's, unless under --root), then each --env. */
  private static Map<String, String> environment(TargetOptions t, Map<String, String> processEnv) throws UsageProblem {
    Map<String, String> env = new LinkedHashMap<>();
    if (t.envFile != null) {
      try {
        env.putAll(EnvFile.parse(Files.readString(t.envFile, StandardCharsets.UTF_8)));
      } catch (IOException | RuntimeException e) {
        throw new UsageProblem("cannot read --env-file " + t.envFile + ": " + describe(e));
      }
    } else if (t.root == null) {
      env.putAll(processEnv);
    }
    env.putAll(t.env);
    return env;
  }

  private static Snapshot probe(TargetOptions t, Map<String, String> processEnv) throws UsageProblem {
    if (!(t.probeTimeoutSeconds > 0) || t.probeTimeoutSeconds > 600) {
      throw new UsageProblem("--probe-timeout must be between 0 and 600 seconds");
    }
    Duration timeout = Duration.ofMillis((long) (t.probeTimeoutSeconds * 1000));
    Map<String, String> env = environment(t, processEnv);
    Machine m;
    Inspection inspection;
    if (t.root != null) {
      if (!Files.isDirectory(t.root)) {
        throw new UsageProblem("--root " + t.root + " is not a directory");
      }
      m = Machine.rooted(t.root, env, timeout);
      inspection = Inspection.root(t.root.toAbsolutePath().normalize().toString(), t.envFile == null ? null : t.envFile.toString());
    } else {
      m = Machine.live(env, timeout);
      inspection = Inspection.live();
    }
    if (t.deep && t.root != null) {
      throw new UsageProblem("--deep runs the environments' interpreters, which --root never does; drop one of them");
    }
    SnapshotTaker.Options options = new SnapshotTaker.Options(t.pythons, t.deep, t.binaries);
    return new SnapshotTaker(Clock.systemUTC(), "cudastack " + ToolVersion.get(), options).take(m, inspection);
  }

  private static String describe(Exception e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
