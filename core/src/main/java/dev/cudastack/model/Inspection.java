package dev.cudastack.model;

/**
 * How the snapshot was taken: {@code live} on the running machine, or {@code root} over a directory
 * tree (nothing under it executed or loaded). {@code replayedFrom} is set when a saved snapshot was
 * read back.
 */
public record Inspection(String mode, String root, String envFile, boolean anonymized, String replayedFrom) {
  public static Inspection live() {
    return new Inspection("live", "/", null, false, null);
  }

  public static Inspection root(String root, String envFile) {
    return new Inspection("root", root, envFile, false, null);
  }

  public boolean isRoot() {
    return "root".equals(mode);
  }

  public Inspection withAnonymized() {
    return new Inspection(mode, root, envFile, true, replayedFrom);
  }

  public Inspection withReplayedFrom(String file) {
    return new Inspection(mode, root, envFile, anonymized, file);
  }
}
