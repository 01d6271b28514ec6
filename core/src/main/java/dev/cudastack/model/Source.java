package dev.cudastack.model;

import java.util.Objects;

/**
 * Where a fact came from: a file, a command line, a native library call, an environment variable,
 * or a derivation from other facts.
 */
public record Source(Kind kind, String ref) {
  public enum Kind {
    FILE,
    COMMAND,
    NATIVE,
    ENV,
    DERIVED,
    NONE
  }

  public Source {
    Objects.requireNonNull(kind, "kind");
    ref = ref == null ? "" : ref;
  }

  public static Source file(String path) {
    return new Source(Kind.FILE, path);
  }

  public static Source command(String argv) {
    return new Source(Kind.COMMAND, argv);
  }

  public static Source nativeCall(String call) {
    return new Source(Kind.NATIVE, call);
  }

  public static Source env(String name) {
    return new Source(Kind.ENV, name);
  }

  public static Source derived(String how) {
    return new Source(Kind.DERIVED, how);
  }

  public static Source none() {
    return new Source(Kind.NONE, "");
  }

  /** A short human form, e.g. {@code file /etc/os-release} or {@code nvidia-smi --version}. */
  public String describe() {
    return switch (kind) {
      case FILE -> "file " + ref;
      case COMMAND -> "`" + ref + "`";
      case NATIVE -> "native " + ref;
      case ENV -> "$" + ref;
      case DERIVED -> ref;
      case NONE -> "-";
    };
  }
}
