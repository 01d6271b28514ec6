package dev.cudastack.explain;

/**
 * A line as a regular expression sees it, with a deadline: every 4,096 characters read, the clock
 * is checked, and past the deadline {@link Spent} ends the match. A pattern that backtracks on a
 * hostile line (from the bundled catalog or from one given with --kb) then costs a bounded time
 * instead of minutes.
 */
final class Budgeted implements CharSequence {
  /** The match ran out of time. */
  static final class Spent extends RuntimeException {
    Spent() {
      super("the match ran out of time", null, false, false);
    }
  }

  private final CharSequence text;
  private final long deadline;
  private int reads;

  Budgeted(CharSequence text, long deadline) {
    this.text = text;
    this.deadline = deadline;
  }

  @Override
  public char charAt(int index) {
    if ((++reads & 4095) == 0 && System.nanoTime() > deadline) {
      throw new Spent();
    }
    return text.charAt(index);
  }

  @Override
  public int length() {
    return text.length();
  }

  @Override
  public CharSequence subSequence(int start, int end) {
    return new Budgeted(text.subSequence(start, end), deadline);
  }

  @Override
  public String toString() {
    return text.toString();
  }
}
