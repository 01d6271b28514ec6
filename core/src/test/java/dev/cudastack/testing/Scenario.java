package dev.cudastack.testing;

import dev.cudastack.check.Checks;
import dev.cudastack.check.Diagnosis;
import dev.cudastack.check.Finding;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.model.Inspection;
import dev.cudastack.model.Snapshot;
import dev.cudastack.probe.EnvFile;
import dev.cudastack.probe.Machine;
import dev.cudastack.probe.SnapshotTaker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A machine tree for a check test: a copy of one of the shared scenario trees (real layouts of a
 * real case) in a temporary directory, changed file by file, then read with --root semantics and
 * diagnosed. The shared trees stay untouched.
 */
public final class Scenario {
  public static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T21:00:12Z"), ZoneOffset.UTC);
  public static final String ENV_PREFIX = "/home/can/miniconda3/envs/moelora";
  public static final String SITE = ENV_PREFIX + "/lib/python3.9/site-packages";

  private final Path root;
  private final Map<String, String> env;

  private Scenario(Path root, Map<String, String> env) {
    this.root = root;
    this.env = env;
  }

  /** A copy of ../shared/scenarios/NAME under {@code dir}. */
  public static Scenario copyOf(String name, Path dir) {
    Path from = Shared.scenario(name);
    Path to;
    try {
      to = Files.createTempDirectory(dir, name + "-").resolve("root");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (Stream<Path> walk = Files.walk(from.resolve("root"))) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path target = to.resolve(from.resolve("root").relativize(p).toString());
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
      return new Scenario(to, new LinkedHashMap<>(EnvFile.parse(Files.readString(from.resolve("ENV")))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path root() {
    return root;
  }

  public Scenario write(String machinePath, String content) {
    Trees.write(root, machinePath, content);
    return this;
  }

  /** Deletes a file or a whole directory. */
  public Scenario delete(String machinePath) {
    Path p = root.resolve(machinePath.substring(1));
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      throw new AssertionError("nothing to delete at " + machinePath);
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  public Scenario env(String name, String value) {
    env.put(name, value);
    return this;
  }

  public Scenario unset(String name) {
    env.remove(name);
    return this;
  }

  /** Makes the machine's driver another version: kernel module, /proc and the library file names. */
  public Scenario driver(String version) {
    write("/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  " + version + "  Release Build  (dvs-builder@U16)  Thu Jul 11 18:35:22 UTC 2024\n"
        + "GCC version:  gcc version 9.4.0 (Ubuntu 9.4.0-1ubuntu1~20.04.2)\n");
    write("/sys/module/nvidia/version", version + "\n");
    libraries(version);
    return this;
  }

  /** Only the user-space libraries (libcuda, NVML) of another version. */
  public Scenario libraries(String version) {
    String dir = "/usr/lib/x86_64-linux-gnu/";
    try (Stream<Path> files = Files.list(root.resolve(dir.substring(1)))) {
      for (Path p : files.toList()) {
        String n = p.getFileName().toString();
        if (n.matches("lib(cuda|nvidia-ml)\\.so\\.\\d+\\.\\d+.*")) {
          Files.delete(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    write(dir + "libcuda.so." + version, "");
    write(dir + "libnvidia-ml.so." + version, "");
    write(dir + "libcuda.so.1", "libcuda.so." + version);
    write(dir + "libnvidia-ml.so.1", "libnvidia-ml.so." + version);
    return this;
  }

  /** Renames both GPUs' model. */
  public Scenario gpus(String model) {
    try (Stream<Path> dirs = Files.list(root.resolve("proc/driver/nvidia/gpus"))) {
      for (Path d : dirs.toList()) {
        Path info = d.resolve("information");
        Files.writeString(info, Files.readString(info).replaceFirst("Model:[^\\n]*", "Model: \t\t " + model));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Rewrites the environment's torch/version.py. */
  public Scenario torch(String version, String cuda) {
    return write(SITE + "/torch/version.py", "from typing import Optional\n\n__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip']\n__version__ = '" + version
        + "'\ndebug = False\ncuda: Optional[str] = " + (cuda == null ? "None" : "'" + cuda + "'") + "\ngit_version = 'abc'\nhip: Optional[str] = None\n");
  }

  /** A distribution in the environment's site-packages: its .dist-info with METADATA. */
  public Scenario dist(String name, String version, String... requires) {
    StringBuilder meta = new StringBuilder("Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n");
    for (String r : requires) {
      meta.append("Requires-Dist: ").append(r).append('\n');
    }
    write(SITE + "/" + name.replace('-', '_') + "-" + version + ".dist-info/METADATA", meta.toString());
    return write(SITE + "/" + name.replace('-', '_') + "-" + version + ".dist-info/INSTALLER", "pip\n");
  }

  public Snapshot snapshot() {
    return snapshot(false);
  }

  /** With {@code binaries}, the frameworks' shared objects are read too (as doctor -v does). */
  public Snapshot snapshot(boolean binaries) {
    try {
      Machine m = Machine.rooted(root, Map.copyOf(env), Duration.ofSeconds(2));
      return new SnapshotTaker(CLOCK, "cudastack test", new SnapshotTaker.Options(List.of(), false, binaries)).take(m, Inspection.root(root.toString(), "ENV"));
    } catch (Exception e) {
      throw new AssertionError("could not take the snapshot", e);
    }
  }

  public Diagnosis diagnose() {
    return Checks.run(snapshot(), KnowledgeBase.bundled());
  }

  public Diagnosis diagnose(boolean binaries) {
    return Checks.run(snapshot(binaries), KnowledgeBase.bundled());
  }

  /** Copies a real file (a library built by a test) into the tree. */
  public Scenario copy(Path file, String machinePath) {
    Path p = root.resolve(machinePath.substring(1));
    try {
      Files.createDirectories(p.getParent());
      Files.copy(file, p, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** The codes a diagnosis found, in order. */
  public static List<String> codes(Diagnosis d) {
    return d.findings().stream().map(Finding::code).toList();
  }
}
