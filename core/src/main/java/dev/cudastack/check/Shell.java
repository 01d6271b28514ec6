package dev.cudastack.check;

/** Quoting for the shell lines fixes print. */
final class Shell {
  private Shell() {}

  private static final String SAFE = "/._-+=:,@%";

  /** The word as is when it is safe unquoted, else single-quoted. */
  static String quote(String s) {
    boolean safe = !s.isEmpty();
    for (int i = 0; i < s.length() && safe; i++) {
      char c = s.charAt(i);
      safe = c < 128 && (Character.isLetterOrDigit(c) || SAFE.indexOf(c) >= 0);
    }
    return safe ? s : "'" + s.replace("'", "'\\''") + "'";
  }
}
