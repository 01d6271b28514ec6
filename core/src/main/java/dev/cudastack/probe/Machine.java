package dev.cudastack.probe;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a probe may touch: the filesystem (through its root), the environment variables,
 * the command runner and native access. {@code mayExecute} is false under {@code --root}: then
 * nothing under the tree is run or loaded, and facts come from files alone.
 */
public record Machine(
    MachineFs fs, Map<String, String> env, CommandRunner runner, NativeAccess natives, Duration timeout, boolean mayExecute) {

  public Machine {
    env = Map.copyOf(env);
  }

  public Optional<String> getenv(String name) {
    String v = env.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  /** The machine this process runs on. */
  public static Machine live(Map<String, String> env, Duration timeout) {
    return new Machine(MachineFs.live(), env, new ProcessCommandRunner(env), new ForeignNativeAccess(), timeout, true);
  }

  /** A directory tree seen as "/", with the given environment; nothing is executed or loaded. */
  public static Machine rooted(java.nio.file.Path root, Map<String, String> env, Duration timeout) {
    return new Machine(
        MachineFs.rooted(root),
        env,
        CommandRunner.refusing("--root: nothing under the inspected tree is executed"),
        NativeAccess.none("--root: no library under the inspected tree is loaded"),
        timeout,
        false);
  }
}
