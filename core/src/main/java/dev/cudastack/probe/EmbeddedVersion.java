package dev.cudastack.probe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the "Cuda compilation tools, release X.Y, VX.Y.Z" banner that NVIDIA's tools (ptxas, nvcc)
 * carry in their read-only data, without running them. Only the ELF .rodata section is searched
 * (the banner sits near its start), so a 40 MB ptxas costs a few kilobytes of reading.
 */
final class EmbeddedVersion {
  private static final byte[] NEEDLE = "Cuda compilation tools, release ".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern BANNER = Pattern.compile("release (\\d+\\.\\d+), V(\\d+\\.\\d+\\.\\d+)");
  private static final int CHUNK = 1 << 16;
  private static final long MAX_SCAN = 64L << 20;

  private EmbeddedVersion() {}

  /** The tool's full version (e.g. 12.8.93), or empty when the file holds no banner. */
  static Optional<String> cudaToolVersion(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long[] range = rodata(ch).orElse(new long[] {0, ch.size()});
      long start = range[0];
      long end = Math.min(ch.size(), range[0] + Math.min(range[1], MAX_SCAN));
      ByteBuffer buf = ByteBuffer.allocate(CHUNK + 128);
      for (long pos = start; pos < end; pos += CHUNK) {
        buf.clear();
        buf.limit((int) Math.min(buf.capacity(), end - pos));
        ch.read(buf, pos);
        byte[] a = buf.array();
        int n = buf.position();
        int i = indexOf(a, n);
        if (i >= 0) {
          String around = new String(a, i, Math.min(n - i, 80), StandardCharsets.ISO_8859_1);
          Matcher m = BANNER.matcher(around);
          if (m.find()) {
            return Optional.of(m.group(2));
          }
        }
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static int indexOf(byte[] a, int n) {
    outer:
    for (int i = 0; i + NEEDLE.length <= n; i++) {
      if (a[i] != 'C') {
        continue;
      }
      for (int j = 1; j < NEEDLE.length; j++) {
        if (a[i + j] != NEEDLE[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** [offset, size] of the .rodata section of a 64-bit little-endian ELF file, if it has one. */
  private static Optional<long[]> rodata(FileChannel ch) throws IOException {
    ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    ch.read(h, 0);
    if (h.position() < 64 || h.get(0) != 0x7f || h.get(1) != 'E' || h.get(2) != 'L' || h.get(3) != 'F' || h.get(4) != 2 || h.get(5) != 1) {
      return Optional.empty();
    }
    long shoff = h.getLong(0x28);
    int shentsize = Short.toUnsignedInt(h.getShort(0x3a));
    int shnum = Short.toUnsignedInt(h.getShort(0x3c));
    int shstrndx = Short.toUnsignedInt(h.getShort(0x3e));
    if (shentsize < 64 || shnum == 0 || shnum > 4096 || shstrndx >= shnum || shoff <= 0 || shoff + (long) shnum * shentsize > ch.size()) {
      return Optional.empty();
    }
    ByteBuffer sh = ByteBuffer.allocate(shnum * shentsize).order(ByteOrder.LITTLE_ENDIAN);
    ch.read(sh, shoff);
    long strOff = sh.getLong(shstrndx * shentsize + 0x18);
    long strSize = sh.getLong(shstrndx * shentsize + 0x20);
    if (strOff < 0 || strSize <= 0 || strSize > (1 << 20) || strOff + strSize > ch.size()) {
      return Optional.empty();
    }
    ByteBuffer names = ByteBuffer.allocate((int) strSize);
    ch.read(names, strOff);
    byte[] nm = names.array();
    for (int i = 0; i < shnum; i++) {
      int nameOff = sh.getInt(i * shentsize);
      if (nameOff >= 0 && nameOff + 8 <= nm.length && new String(nm, nameOff, 8, StandardCharsets.US_ASCII).equals(".rodata\0")) {
        long off = sh.getLong(i * shentsize + 0x18);
        long size = sh.getLong(i * shentsize + 0x20);
        if (off >= 0 && size > 0 && off < ch.size()) {
          return Optional.of(new long[] {off, size});
        }
      }
    }
    return Optional.empty();
  }
}
