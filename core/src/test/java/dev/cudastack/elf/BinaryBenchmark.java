package dev.cudastack.elf;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Not a test: times the fat-binary reader on a synthetic file shaped like torch 2.11.0+cu130's
 * libtorch_cuda.so (about 450 MB; 2,789 entries: 444 fat binaries with sm_75/80/86/90/100/120,
 * 59 more with sm_100a/sm_103a, three singles), written as a sparse file so that only the headers
 * take disk space, and the ELF reader plus loader simulation on real libraries of this machine.
 * Usage: java -cp core/target/classes:core/target/test-classes dev.cudastack.elf.BinaryBenchmark [LIB...]
 */
public final class BinaryBenchmark {
  private BinaryBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path big = Files.createTempFile("cudastack-fatbin", ".so");
    try {
      long size = synthesize(big);
      for (int run = 0; run < 5; run++) {
        System.gc();
        long heap0 = used();
        long t = System.nanoTime();
        ElfFile e = ElfFile.read(big, false);
        DeviceCode d = DeviceCode.read(big, e);
        double ms = (System.nanoTime() - t) / 1e6;
        long heap = used() - heap0;
        System.out.printf("synthetic libtorch_cuda.so %d MB: %d fat binaries, %d archs, sm_90 supported=%s, in %.1f ms, heap +%.1f MB%n",
            size >> 20, d.fatbins(), d.archs().size(), d.fit(90, null).supported(), ms, heap / 1048576.0);
      }
    } finally {
      Files.deleteIfExists(big);
    }
    for (String lib : args) {
      for (int run = 0; run < 3; run++) {
        long t = System.nanoTime();
        Loader.Plan p = new Loader(new Loader.Fs() {
          @Override
          public java.util.Optional<String> file(String path) {
            try {
              Path x = Path.of(path);
              return Files.isRegularFile(x) ? java.util.Optional.of(x.toRealPath().toString()) : java.util.Optional.empty();
            } catch (IOException ex) {
              return java.util.Optional.empty();
            }
          }

          @Override
          public Path host(String path) {
            return Path.of(path);
          }
        }, System.getenv("LD_LIBRARY_PATH"), java.util.Map.of(), java.util.List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"),
            "lib/x86_64-linux-gnu").plan(lib, true);
        System.out.printf("loader simulation with symbols for %s: %d loads, %d unresolved, in %.1f ms%n", lib, p.loads().size(), p.unresolved().size(), (System.nanoTime() - t) / 1e6);
      }
    }
  }

  private static long used() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  /** An ELF file with only what the readers need: a section-name table and a large .nv_fatbin. */
  static long synthesize(Path file) throws IOException {
    int[][] groups = {{444, 75, 80, 86, 90, 100, 120}, {59, 100, 103}, {1, 89}, {1, 120}, {1, 121}};
    long payload = 160_000;
    long fatStart = 4096;
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long pos = fatStart;
      ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
      for (int[] g : groups) {
        for (int n = 0; n < g[0]; n++) {
          int entries = g.length - 1;
          long body = entries * (64 + payload);
          h.clear();
          h.putInt(0xBA55ED50).putShort((short) 1).putShort((short) 16).putLong(body);
          f.seek(pos);
          f.write(h.array(), 0, 16);
          long e = pos + 16;
          for (int k = 1; k < g.length; k++) {
            h.clear();
            boolean specific = g[0] == 59 || (g[0] == 1 && g[1] != 89);
            h.putShort((short) 2).putShort((short) 0x101).putInt(64).putLong(payload).putInt(0).putInt(0).putInt(0x10008).putInt(g[k]).putLong(0)
                .putLong(specific ? 0x100011L : 0x11L).putLong(0).putLong(0);
            f.seek(e);
            f.write(h.array(), 0, 64);
            e += 64 + payload;
          }
          pos = e;
        }
      }
      long fatSize = pos - fatStart;
      byte[] names = "\0.shstrtab\0.nv_fatbin\0".getBytes(StandardCharsets.US_ASCII);
      long namesAt = pos;
      f.seek(namesAt);
      f.write(names);
      long shoff = (namesAt + names.length + 7) & ~7L;
      ByteBuffer sh = ByteBuffer.allocate(64 * 3).order(ByteOrder.LITTLE_ENDIAN);
      sh.position(64); // section 0 is empty
      sh.putInt(1).putInt(3).putLong(0).putLong(0).putLong(namesAt).putLong(names.length).putInt(0).putInt(0).putLong(1).putLong(0);
      sh.putInt(11).putInt(1).putLong(2).putLong(0).putLong(fatStart).putLong(fatSize).putInt(0).putInt(0).putLong(8).putLong(0);
      f.seek(shoff);
      f.write(sh.array());
      ByteBuffer eh = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
      eh.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]).putShort((short) 3).putShort((short) 62).putInt(1).putLong(0).putLong(0).putLong(shoff)
          .putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 0).putShort((short) 64).putShort((short) 3).putShort((short) 1);
      f.seek(0);
      f.write(eh.array());
      return f.length();
    }
  }
}
