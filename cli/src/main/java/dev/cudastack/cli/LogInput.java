package dev.cudastack.cli;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * One log given to {@code explain}: plain text as it is, or gzip-compressed (told by its first two
 * bytes, so a rotated {@code train.log.1.gz} or a piped {@code zcat}-less stream both work). A
 * compressed stream that is damaged or cut short ends there: what came before is still explained,
 * and {@link #damage()} says where it stopped.
 */
final class LogInput extends FilterInputStream {
  private final String name;
  private final InputStream raw;
  private long delivered;
  private String damage;

  private LogInput(InputStream in, InputStream raw, String name) {
    super(in);
    this.raw = raw;
    this.name = name;
  }

  /** Wraps {@code raw}; reads its first two bytes to decide. */
  static LogInput open(InputStream raw, String name) throws IOException {
    BufferedInputStream b = new BufferedInputStream(raw, 1 << 16);
    b.mark(2);
    int first = b.read();
    int second = b.read();
    b.reset();
    if (first == 0x1f && second == 0x8b) {
      try {
        return new LogInput(new GZIPInputStream(b, 1 << 16), raw, name);
      } catch (IOException e) {
        LogInput empty = new LogInput(InputStream.nullInputStream(), raw, name);
        empty.damage = name + ": a gzip header that cannot be read (" + e.getMessage() + "): nothing of it was explained";
        return empty;
      }
    }
    return new LogInput(b, raw, name);
  }

  /** Whether this reads {@code s} (standard input is not closed after reading). */
  boolean wraps(InputStream s) {
    return raw == s;
  }

  /** Where a compressed log stopped early, or null. */
  String damage() {
    return damage;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (damage != null) {
      return -1;
    }
    try {
      int n = in.read(b, off, len);
      if (n > 0) {
        delivered += n;
      }
      return n;
    } catch (IOException e) {
      damage = name + ": the compressed log is damaged or cut short after " + delivered + " bytes (" + e.getMessage() + "); what came before was explained";
      return -1;
    }
  }
}
