package dev.cudastack.probe;

import dev.cudastack.json.Json;
import dev.cudastack.json.JsonException;
import dev.cudastack.model.Observation;
import dev.cudastack.model.PythonInfo.DeepReport;
import dev.cudastack.model.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code --deep}: runs an environment's own interpreter once, in a child process with the probe
 * time limit, and asks torch what it sees. Never used where nothing may run (--root, replay).
 */
final class DeepQuery {
  /** Our script: import torch, report its view, and list the CUDA libraries mapped into the process. */
  static final String SCRIPT = """
      import json
      out = {}
      try:
          import torch
          out["torchVersion"] = torch.__version__
          out["cuda"] = torch.version.cuda
          ok = bool(torch.cuda.is_available())
          out["available"] = ok
          out["capabilities"] = ["%d.%d" % torch.cuda.get_device_capability(i) for i in range(torch.cuda.device_count())] if ok else []
          out["archList"] = list(torch.cuda.get_arch_list()) if ok else []
          v = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
          out["cudnn"] = None if v is None else str(v)
          try:
              from torch.utils import cpp_extension
              out["cudaHome"] = cpp_extension.CUDA_HOME
          except Exception:
              out["cudaHome"] = None
      except BaseException as e:
          out["error"] = "%s: %s" % (type(e).__name__, e)
      keys = ("libcuda", "libcudart", "libcublas", "libcudnn", "libnccl", "libnvJitLink", "libnvrtc", "libcusparse")
      seen = set()
      try:
          with open("/proc/self/maps") as f:
              for line in f:
                  parts = line.split()
                  if len(parts) >= 6 and any(k in parts[-1] for k in keys):
                      seen.add(parts[-1])
      except OSError:
          pass
      out["mappedLibraries"] = sorted(seen)
      print("CUDASTACK-DEEP " + json.dumps(out))
      """;

  private DeepQuery() {}

  static Observation<DeepReport> ask(Machine m, String prefix) {
    String python = null;
    for (String name : List.of("python3", "python")) {
      if (m.fs().isFile(prefix + "/bin/" + name)) {
        python = prefix + "/bin/" + name;
        break;
      }
    }
    Source src = Source.command((python == null ? prefix + "/bin/python3" : python) + " -c <cudastack --deep script>");
    if (python == null) {
      return Observation.absent("no bin/python3 in " + prefix, src);
    }
    // Importing torch takes seconds on a real machine: allow more than one command's limit.
    CommandResult r = m.runner().run(List.of(python, "-c", SCRIPT), m.timeout().multipliedBy(6));
    if (r.status() == CommandResult.Status.TIMED_OUT) {
      return Observation.timedOut(r.millis(), src);
    }
    String line = r.stdout().lines().filter(l -> l.startsWith("CUDASTACK-DEEP ")).findFirst().orElse(null);
    if (line == null) {
      String why = r.ok() ? "the interpreter printed no answer" : r.failure();
      return Observation.failed(why, src);
    }
    try {
      Object tree = Json.parse(line.substring("CUDASTACK-DEEP ".length()));
      if (!(tree instanceof Map<?, ?> map)) {
        return Observation.failed("unexpected answer", src);
      }
      return Observation.found(new DeepReport(
          str(map.get("torchVersion")),
          str(map.get("cuda")),
          Boolean.TRUE.equals(map.get("available")),
          strings(map.get("capabilities")),
          strings(map.get("archList")),
          str(map.get("cudnn")),
          str(map.get("cudaHome")),
          strings(map.get("mappedLibraries")),
          str(map.get("error"))), src);
    } catch (JsonException e) {
      return Observation.failed("unreadable answer: " + e.getMessage(), src);
    }
  }

  private static String str(Object o) {
    return o == null ? null : String.valueOf(o);
  }

  private static List<String> strings(Object o) {
    List<String> out = new ArrayList<>();
    if (o instanceof List<?> l) {
      l.forEach(x -> out.add(String.valueOf(x)));
    }
    return out;
  }
}
