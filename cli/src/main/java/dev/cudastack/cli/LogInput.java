package dev.cudastack.cli;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * One log given to {@code explain}, opened when it is first read (so many files never hold a buffer
 * each at once) and closed at its end: plain text as it is, or gzip-compressed, told by its first
 * two bytes (a rotated {@code train.log.1.gz}, or a compressed stream on standard input). A
 * compressed log that is damaged or cut short ends there: what came before is still explained, and
 * {@link #damage()} says where it stopped. A read error of the file itself is not damage: it
 * propagates, and {@code explain} says it cannot read the log.
 */
final class LogInput extends InputStream {
  /** Opens the raw stream. */
  interface Opener {
    InputStream open() throws IOException;
  }

  private final Opener opener;
  private final String name;
  private final boolean closeAtEnd;
  private InputStream raw;
  private InputStream in;
  private boolean compressed;
  private boolean ended;
  private long delivered;
  private String damage;

  private LogInput(Opener opener, String name, boolean closeAtEnd) {
    this.opener = opener;
    this.name = name;
    this.closeAtEnd = closeAtEnd;
  }

  /** A file (closed at its end). */
  static LogInput file(Opener opener, String name) {
    return new LogInput(opener, name, true);
  }

  /** Standard input (never closed). */
  static LogInput stdin(InputStream stdin) {
    return new LogInput(() -> stdin, "standard input", false);
  }

  /** Where a compressed log stopped early, or null. */
  String damage() {
    return damage;
  }

  private void open() throws IOException {
    raw = opener.open();
    PushbackInputStream p = new PushbackInputStream(raw, 2);
    int first = p.read();
    if (first < 0) {
      in = InputStream.nullInputStream(); // empty (on a terminal: one end-of-file is enough)
      return;
    }
    int second = first == 0x1f ? p.read() : -1;
    if (second >= 0) {
      p.unread(second);
    }
    p.unread(first);
    if (first == 0x1f && second == 0x8b) {
      compressed = true;
      try {
        in = new GZIPInputStream(p, 1 << 16);
      } catch (ZipException | EOFException e) {
        damage = name + ": a gzip header that cannot be read (" + e.getMessage() + "): nothing of it was explained";
        in = InputStream.nullInputStream();
      }
    } else {
      in = p;
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (ended) {
      return -1;
    }
    if (in == null) {
      open();
    }
    int n;
    try {
      n = in.read(b, off, len);
    } catch (ZipException | EOFException e) {
      if (!compressed) {
        throw e;
      }
      damage = name + ": the compressed log is damaged or cut short after " + delivered + " bytes (" + e.getMessage() + "); what came before was explained";
      n = -1;
    }
    if (n < 0) {
      ended = true;
      close();
      return -1;
    }
    delivered += n;
    return n;
  }

  @Override
  public void close() throws IOException {
    if (closeAtEnd && raw != null) {
      raw.close();
    }
  }
}
