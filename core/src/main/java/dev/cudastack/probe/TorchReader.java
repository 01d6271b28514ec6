package dev.cudastack.probe;

import dev.cudastack.model.Observation;
import dev.cudastack.model.PythonInfo.Distribution;
import dev.cudastack.model.PythonInfo.Pin;
import dev.cudastack.model.PythonInfo.TorchBuild;
import dev.cudastack.model.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * torch's build as Python would import it: torch/version.py in the first import-path directory
 * that has a torch package, the files in torch/lib, and torch's pins on CUDA wheels and triton.
 */
final class TorchReader {
  private static final Pattern PIN = Pattern.compile("^([A-Za-z0-9_.-]+)(?:\\[[^]]*])?\\s*(?:==\\s*([^;,\\s]+))?");

  private TorchReader() {}

  static Observation<TorchBuild> read(Machine m, Notes notes, SitePackages site) {
    Optional<String> dir = site.dirHolding("torch");
    if (dir.isEmpty()) {
      return Observation.absent("no torch package in the import path", Source.none());
    }
    String p = dir.get() + "/torch/version.py";
    MachineFs.Text t = m.fs().readText(p, 64 * 1024);
    if (!t.ok()) {
      notes.add(p + ": " + t.error());
      return Observation.failed(t.error(), Source.file(p));
    }
    Optional<Map<String, Optional<String>>> v = PythonTexts.torchVersionPy(t.text());
    if (v.isEmpty()) {
      notes.add(p + ": not the usual shape (no __version__ assignment)");
      return Observation.failed("no __version__ assignment in " + p, Source.file(p));
    }
    Map<String, Optional<String>> a = v.get();
    String version = a.get("__version__").orElse("?");
    String variant = version.contains("+") ? version.substring(version.indexOf('+') + 1) : null;
    List<String> libs = m.fs().list(dir.get() + "/torch/lib", 10_000).names().stream().filter(n -> n.contains(".so")).toList();
    return Observation.found(new TorchBuild(
        version,
        a.getOrDefault("cuda", Optional.empty()).orElse(null),
        a.getOrDefault("hip", Optional.empty()).orElse(null),
        variant,
        dir.get(),
        libs,
        pins(site)), Source.file(p));
  }

  /** torch's Requires-Dist entries on nvidia-*, cuda-* and triton, each with what is installed. */
  static List<Pin> pins(SitePackages site) {
    Optional<Distribution> torch = site.winner("torch");
    List<Pin> out = new ArrayList<>();
    if (torch.isEmpty()) {
      return out;
    }
    for (String req : torch.get().requires()) {
      String spec = req.contains(";") ? req.substring(0, req.indexOf(';')).strip() : req.strip();
      String marker = req.contains(";") ? req.substring(req.indexOf(';') + 1) : "";
      if (marker.contains("extra ==") || marker.contains("extra==") || marker.contains("Windows") || marker.contains("Darwin")) {
        continue;
      }
      Matcher mm = PIN.matcher(spec);
      if (!mm.find()) {
        continue;
      }
      String name = PythonTexts.normalize(mm.group(1));
      if (!name.startsWith("nvidia-") && !name.startsWith("cuda-") && !name.equals("triton") && !name.equals("pytorch-triton")) {
        continue;
      }
      String installed = site.winner(name).map(Distribution::version).orElse(null);
      out.add(new Pin(req, name, mm.group(2), installed));
    }
    return out;
  }
}
