package dev.cudastack.probe;

import dev.cudastack.model.Observation;
import dev.cudastack.model.PythonInfo.BnbSetup;
import dev.cudastack.model.PythonInfo.Distribution;
import dev.cudastack.model.PythonInfo.Framework;
import dev.cudastack.model.PythonInfo.TorchBuild;
import dev.cudastack.model.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The frameworks on top of torch: bitsandbytes' binary choice and the others' compiled files. */
final class FrameworkReader {
  /** Distribution name → its import package and the site-level extension files it installs. */
  private record Known(String distribution, String pkg, List<String> sitePrefixes) {}

  private static final List<Known> KNOWN = List.of(
      new Known("deepspeed", "deepspeed", List.of()),
      new Known("apex", "apex", List.of("amp_C", "apex_C", "fused_", "syncbn", "mlp_cuda", "fast_", "focal_loss", "xentropy")),
      new Known("flash-attn", "flash_attn", List.of("flash_attn_2_cuda", "flash_attn_3", "flash_attn_cuda")),
      new Known("xformers", "xformers", List.of()),
      new Known("vllm", "vllm", List.of()),
      new Known("triton", "triton", List.of()),
      new Known("transformers", "transformers", List.of()),
      new Known("peft", "peft", List.of()),
      new Known("accelerate", "accelerate", List.of()),
      new Known("trl", "trl", List.of()));

  private FrameworkReader() {}

  static List<Framework> frameworks(Machine m, SitePackages site) {
    List<Framework> out = new ArrayList<>();
    for (Known k : KNOWN) {
      Optional<Distribution> d = site.winner(k.distribution());
      if (d.isEmpty()) {
        continue;
      }
      String loc = d.get().location();
      List<String> ext = new ArrayList<>();
      for (String f : site.entries(loc)) {
        if (f.endsWith(".so") && k.sitePrefixes().stream().anyMatch(f::startsWith)) {
          ext.add(f);
        }
      }
      collectSo(m, loc + "/" + k.pkg(), k.pkg(), ext, 2);
      Observation<String> ptxas = k.distribution().equals("triton") ? tritonPtxas(m, loc) : Observation.absent("not triton", Source.none());
      out.add(new Framework(d.get().name(), d.get().version(), loc, ext, ptxas));
    }
    return out;
  }

  /** Compiled extension files (*.so) in a package directory, to a small depth (deepspeed/ops/...). */
  private static void collectSo(Machine m, String dir, String rel, List<String> out, int depth) {
    for (String f : m.fs().list(dir, 5_000).names()) {
      if (f.endsWith(".so")) {
        out.add(rel + "/" + f);
      } else if (depth > 0 && !f.contains(".") && !f.equals("__pycache__") && !f.equals("tests") && m.fs().isDirectory(dir + "/" + f)) {
        collectSo(m, dir + "/" + f, rel + "/" + f, out, depth - 1);
      }
    }
  }

  /** The ptxas triton bundles (3.x: backends/nvidia/bin, 2.x: third_party/cuda/bin), read from its banner. */
  private static Observation<String> tritonPtxas(Machine m, String site) {
    for (String p : List.of(site + "/triton/backends/nvidia/bin/ptxas", site + "/triton/third_party/cuda/bin/ptxas")) {
      Optional<java.nio.file.Path> host = m.fs().real(p);
      if (host.isEmpty()) {
        continue;
      }
      return EmbeddedVersion.cudaToolVersion(host.get())
          .map(v -> Observation.found(v, Source.file(p)))
          .orElse(Observation.failed("no 'Cuda compilation tools' banner in the file", Source.file(p)));
    }
    return Observation.absent("triton bundles no ptxas here", Source.file(site + "/triton/backends/nvidia/bin/ptxas"));
  }

  static Observation<BnbSetup> bitsandbytes(Machine m, SitePackages site, TorchBuild torch) {
    Optional<Distribution> d = site.winner("bitsandbytes");
    if (d.isEmpty()) {
      return Observation.absent("bitsandbytes is not installed", Source.none());
    }
    String dir = d.get().location() + "/bitsandbytes";
    MachineFs.Listing l = m.fs().list(dir, 5_000);
    if (!l.ok()) {
      return Observation.failed(dir + ": " + l.error(), Source.file(dir));
    }
    BnbSetup s = BnbSelection.select(d.get().version(), dir, l.names(), torch, m.env(), Optional.empty(),
        (libDir, names) -> findCudart(m, libDir, names));
    return Observation.found(s, Source.file(dir));
  }

  private static Optional<BnbSelection.Cudart> findCudart(Machine m, String dir, List<String> names) {
    for (String n : names) {
      String p = dir + "/" + n;
      MachineFs.Resolved r = m.fs().resolve(p);
      if (!r.ok()) {
        continue;
      }
      String real = r.path().substring(r.path().lastIndexOf('/') + 1);
      java.util.regex.Matcher v = java.util.regex.Pattern.compile("libcudart\\.so\\.(\\d+)\\.(\\d+)").matcher(real);
      if (v.find()) {
        return Optional.of(new BnbSelection.Cudart(p, v.group(1) + v.group(2)));
      }
    }
    return Optional.empty();
  }

}
