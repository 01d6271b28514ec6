package dev.cudastack.cli;

import dev.cudastack.json.Json;
import dev.cudastack.json.RecordCodec;
import dev.cudastack.model.BinaryInfo;
import dev.cudastack.probe.Binaries;
import dev.cudastack.probe.Machine;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cudastack inspect FILE...}: per shared object, its SONAME, RPATH/RUNPATH, where each
 * library it needs would load from (in this environment, or that of --root/--env-file), versioned
 * symbols left unresolved, and the GPU code it carries. Nothing is loaded or run.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    versionProvider = CudastackCommand.Version.class,
    description = {"Read shared objects without loading them: SONAME, RPATH/RUNPATH, where each needed library would load from and why,",
        "unresolved versioned symbols, and the SASS/PTX architectures they carry. Exit 1 when a library is missing or a symbol unresolved."})
final class InspectCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Mixin TargetOptions target;

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "Shared objects (paths on the inspected machine).")
  List<String> files = new ArrayList<>();

  @Option(names = "--json", description = "Machine-readable output: one object per file.")
  boolean json;

  @Option(names = {"-v", "--verbose"}, description = "Also every library loaded indirectly, and where each search looked.")
  boolean verbose;

  @Spec CommandSpec spec;

  InspectCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Machine m;
    try {
      m = Targets.machine(target, env);
    } catch (Targets.UsageProblem e) {
      err.println("cudastack: " + e.getMessage());
      return ExitCodes.TOOL_FAILED;
    }
    Binaries binaries = new Binaries(m);
    List<BinaryInfo> infos = new ArrayList<>();
    for (String f : files) {
      String path = m.fs().isLive() ? java.nio.file.Path.of(f).toAbsolutePath().normalize().toString() : f;
      infos.add(binaries.inspect(path, true, true));
    }
    if (json) {
      List<Object> all = new ArrayList<>();
      for (BinaryInfo b : infos) {
        all.add(jsonOf(b));
      }
      out.println(Json.write(all));
    } else {
      for (BinaryInfo b : infos) {
        text(out, b);
      }
    }
    out.flush();
    boolean trouble = infos.stream().anyMatch(b -> b.error() != null || !b.missing().isEmpty() || !b.unresolved().isEmpty());
    return trouble ? ExitCodes.WARNINGS : ExitCodes.OK;
  }

  private static Map<String, Object> jsonOf(BinaryInfo b) {
    @SuppressWarnings("unchecked")
    Map<String, Object> t = new LinkedHashMap<>((Map<String, Object>) RecordCodec.toTree(b));
    t.put("sass", b.device() == null ? List.of() : b.device().sass());
    t.put("ptx", b.device() == null ? List.of() : b.device().ptx());
    return t;
  }

  private void text(PrintWriter out, BinaryInfo b) {
    out.println(b.path());
    if (b.error() != null) {
      out.println("  [✗] " + b.error());
      out.println();
      return;
    }
    out.println("  SONAME     " + (b.soname() == null ? "(none)" : b.soname()));
    if (!b.rpath().isEmpty()) {
      out.println("  RPATH      " + String.join(":", b.rpath()) + (b.runpath().isEmpty() ? "" : "  (ignored: the file has a RUNPATH)"));
    }
    if (!b.runpath().isEmpty()) {
      out.println("  RUNPATH    " + String.join(":", b.runpath()));
    }
    boolean first = true;
    for (String n : b.needed()) {
      String line = b.loads().stream().filter(l -> l.needed().equals(n) && l.by().equals(b.path())).findFirst()
          .map(l -> l.path() + "  ← " + l.how())
          .orElseGet(() -> b.missing().stream().anyMatch(x -> x.needed().equals(n) && x.by().equals(b.path())) ? "NOT FOUND" : "already loaded");
      out.println((first ? "  needs      " : "             ") + n + " → " + line);
      first = false;
    }
    long indirect = b.loads().stream().filter(l -> !l.by().equals(b.path())).count();
    if (verbose) {
      for (BinaryInfo.Load l : b.loads()) {
        if (!l.by().equals(b.path())) {
          out.println("  also       " + l.needed() + " (for " + name(l.by()) + ") → " + l.path() + "  ← " + l.how());
        }
      }
    } else if (indirect > 0) {
      out.println("             … and " + indirect + " libraries those need (-v lists them)");
    }
    for (BinaryInfo.Missing x : b.missing()) {
      out.println("  [✗] " + x.needed() + " (needed by " + name(x.by()) + ") is not found" + (verbose ? "; looked in " + String.join(", ", x.searched()) : ""));
    }
    for (BinaryInfo.Unresolved u : b.unresolved()) {
      if (u.symbol().isEmpty()) {
        out.println("  [✗] " + name(u.object()) + " needs version " + u.version() + " of " + name(u.provider()) + ", which " + u.provider() + " does not define"
            + (u.providerDefines().isEmpty() ? "" : " (its newest: " + u.providerDefines() + ")"));
      } else {
        out.println("  [✗] " + name(u.object()) + " needs " + u.symbol() + "@" + u.version() + ", which no loaded library defines"
            + (u.provider().isEmpty() ? "" : "; " + u.provider() + " would provide it") + (u.providerDefines().isEmpty() ? "" : " but has only " + u.providerDefines()));
      }
    }
    BinaryInfo.DeviceCode d = b.device();
    if (d == null || d.fatbins() == 0) {
      out.println("  GPU code   none");
    } else {
      List<String> parts = new ArrayList<>();
      for (BinaryInfo.Arch a : d.archs()) {
        parts.add(a.name() + (a.fatbins() == d.fatbinsWithCode() ? "" : " (" + a.fatbins() + "/" + d.fatbinsWithCode() + ")") + (a.ptxIsa() == null ? "" : " ISA " + a.ptxIsa()));
      }
      out.println("  GPU code   " + d.fatbins() + " fat binar" + (d.fatbins() == 1 ? "y" : "ies") + (d.compressed() ? ", compressed" : "") + ": " + String.join(", ", parts));
      for (String p : d.problems()) {
        out.println("  [!] " + p);
      }
    }
    out.println();
  }

  private static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
