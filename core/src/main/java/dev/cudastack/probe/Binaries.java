package dev.cudastack.probe;

import dev.cudastack.elf.DeviceCode;
import dev.cudastack.elf.ElfFile;
import dev.cudastack.elf.Loader;
import dev.cudastack.model.BinaryInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads shared objects on a machine (live or under --root): the ELF facts, the loader's plan for
 * them in the machine's environment (LD_LIBRARY_PATH, /etc/ld.so.cache, the default directories)
 * and their device code. Files are read, never loaded or run.
 */
public final class Binaries {
  private final Machine m;
  private final Loader loader;

  public Binaries(Machine m) {
    this.m = m;
    Map<String, List<String>> cache = new LinkedHashMap<>();
    m.fs().readBytes("/etc/ld.so.cache", 64 << 20).ifPresent(bytes -> {
      try {
        for (LdSoCache.Entry e : LdSoCache.parse(bytes).entries()) {
          if (e.describeFlags().contains("x86-64") || e.describeFlags().contains("AArch64")) {
            cache.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(e.path());
          }
        }
      } catch (IllegalArgumentException ex) {
        // an unreadable cache: the search goes on without it
      }
    });
    boolean debian = m.fs().isDirectory("/lib/x86_64-linux-gnu") || m.fs().isDirectory("/usr/lib/x86_64-linux-gnu");
    List<String> defaults = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib");
    MachineFs fs = m.fs();
    this.loader = new Loader(new Loader.Fs() {
      @Override
      public Optional<String> file(String machinePath) {
        MachineFs.Resolved r = fs.resolve(machinePath);
        return r.ok() && fs.isFile(r.path()) ? Optional.of(r.path()) : Optional.empty();
      }

      @Override
      public Path host(String machinePath) {
        return fs.host(machinePath);
      }
    }, m.getenv("LD_LIBRARY_PATH").orElse(null), cache, defaults, debian ? "lib/x86_64-linux-gnu" : "lib64");
  }

  /** Everything about one file; {@code symbols} checks versioned symbols, {@code device} reads the fat binaries. */
  public BinaryInfo inspect(String path, boolean symbols, boolean device) {
    return inspect(path, symbols, device, List.of());
  }

  /** As above, after {@code preload} (torch's libraries, for an extension that `import torch` precedes). */
  public BinaryInfo inspect(String path, boolean symbols, boolean device, List<String> preload) {
    MachineFs.Resolved r = m.fs().resolve(path);
    if (!r.ok()) {
      return BinaryInfo.failed(path, r.error());
    }
    Path host = m.fs().host(r.path());
    ElfFile elf;
    try {
      elf = ElfFile.read(host, false);
    } catch (ElfFile.NotElf e) {
      return BinaryInfo.failed(path, e.getMessage());
    } catch (IOException e) {
      return BinaryInfo.failed(path, "cannot read: " + e.getMessage());
    }
    Loader.Plan plan = loader.plan(path, symbols, preload);
    List<BinaryInfo.Load> loads = plan.loads().stream().map(l -> new BinaryInfo.Load(l.needed(), l.by(), l.path(), l.how())).toList();
    List<BinaryInfo.Missing> missing = plan.missing().stream().map(x -> new BinaryInfo.Missing(x.needed(), x.by(), x.searched())).toList();
    List<BinaryInfo.Unresolved> unresolved = plan.unresolved().stream()
        .map(u -> new BinaryInfo.Unresolved(u.object(), u.symbol(), u.version(), u.provider(), u.providerDefines())).toList();
    BinaryInfo.DeviceCode code = null;
    if (device) {
      try {
        code = model(DeviceCode.read(host, elf));
      } catch (IOException e) {
        code = new BinaryInfo.DeviceCode(0, 0, List.of(), List.of(), false, List.of("cannot read .nv_fatbin: " + e.getMessage()));
      }
    }
    return new BinaryInfo(path, null, elf.soname(), elf.needed(), elf.rpath(), elf.runpath(), loads, missing, unresolved, code);
  }

  static BinaryInfo.DeviceCode model(DeviceCode d) {
    return new BinaryInfo.DeviceCode(d.fatbins(), d.fatbinsWithCode(),
        d.archs().stream().map(a -> new BinaryInfo.Arch(a.name(), a.ptx(), a.sm(), a.variant(), a.fatbins(), a.entries(), a.ptxIsa())).toList(),
        d.signatures().stream().map(s -> new BinaryInfo.Signature(s.archs(), s.fatbins())).toList(), d.compressed(), d.problems());
  }
}
