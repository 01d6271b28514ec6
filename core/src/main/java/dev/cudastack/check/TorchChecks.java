package dev.cudastack.check;

import dev.cudastack.kb.ArchList;
import dev.cudastack.kb.KbException;
import dev.cudastack.kb.Torch;
import dev.cudastack.model.PythonInfo.DeepReport;
import dev.cudastack.model.PythonInfo.Distribution;
import dev.cudastack.model.PythonInfo.Pin;
import dev.cudastack.model.PythonInfo.TorchBuild;
import dev.cudastack.model.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The torch layer: a CUDA build, kernels for these GPUs, one copy, its CUDA wheels, its extensions. */
final class TorchChecks {
  private TorchChecks() {}

  /** torch's compiled archs: the library's own GPU code (--binaries), what the interpreter printed (--deep), else the knowledge base's list for its variant. */
  static Optional<ArchList> archs(Facts.Env e) {
    Optional<dev.cudastack.elf.DeviceCode> code = BinaryChecks.torchCode(e);
    if (code.isPresent()) {
      return Optional.of(code.get().plainArchs());
    }
    Optional<DeepReport> deep = e.env().deep().get();
    if (deep.isPresent() && !deep.get().archList().isEmpty()) {
      Optional<ArchList> a = ArchList.parse(String.join(" ", deep.get().archList()));
      if (a.isPresent()) {
        return a;
      }
    }
    return e.kbTorch().flatMap(Torch.Match::variant).flatMap(Torch.Variant::archList);
  }

  static String archSource(Facts.Env e) {
    if (BinaryChecks.torchCode(e).isPresent()) {
      return "the GPU code in " + BinaryChecks.torchBinary(e).orElseThrow().path();
    }
    Optional<DeepReport> deep = e.env().deep().get();
    if (deep.isPresent() && !deep.get().archList().isEmpty()) {
      return "torch.cuda.get_arch_list() (--deep)";
    }
    return e.kbTorch().flatMap(Torch.Match::variant)
        .map(v -> "knowledge base: torch " + e.kbTorch().get().release().release() + " " + v.cuda() + " wheels (" + v.archEvidence() + ": " + v.archSource() + ")")
        .orElse("unknown");
  }

  static List<Finding> notInBuild(Facts f) throws dev.cudastack.kb.KbException {
    List<Finding> out = new ArrayList<>();
    for (Facts.Env e : f.envs) {
      if (e.torchCuda().isEmpty()) {
        continue;
      }
      Optional<dev.cudastack.elf.DeviceCode> code = BinaryChecks.torchCode(e);
      if (code.isPresent()) {
        // The binary's own fat binaries override the knowledge base's arch list.
        String isa = BinaryChecks.maxPtxIsa(f);
        String lib = BinaryChecks.torchBinary(e).orElseThrow().path();
        for (Facts.Gpu g : f.gpus) {
          if (g.cc() == null) {
            continue;
          }
          dev.cudastack.elf.DeviceCode.Verdict v = code.get().fit(g.cc(), isa);
          if (!v.supported()) {
            TorchBuild t = e.torch().get();
            out.add(new Finding(Codes.GPU_ARCH_NOT_IN_BUILD, Severity.ERROR, "torch " + t.version() + " has no kernels for " + g.label(),
                BinaryChecks.file(lib) + " carries " + String.join(", ", code.get().sass()) + (code.get().ptx().isEmpty() ? "" : " and PTX " + String.join(", ", code.get().ptx()))
                    + " in " + code.get().fatbinsWithCode() + " fat binaries with code; only " + v.runnable() + " of them have code that " + g.label() + " (compute capability "
                    + ArchList.dotted(g.cc()) + ") can run" + (isa == null ? "" : " (PTX up to ISA " + isa + " JITs on this driver)")
                    + ", so GPU operations fail with 'no kernel image is available for execution on the device'. (Read from the library itself, not the knowledge base.)",
                e.prefix(), List.of(new Evidence("GPU code of " + BinaryChecks.file(lib), String.join(" ", code.get().sass()) + " " + String.join(" ", code.get().ptx()), Source.file(lib + " (.nv_fatbin)")),
                    new Evidence("compute capability of " + g.name(), ArchList.dotted(g.cc()), Source.derived(g.ccFrom()))),
                List.of()));
          }
        }
        continue;
      }
      Optional<ArchList> archs = archs(e);
      if (archs.isEmpty()) {
        continue;
      }
      for (Facts.Gpu g : f.gpus) {
        if (g.cc() != null && archs.get().fit(g.cc()) == ArchList.Fit.NONE) {
          TorchBuild t = e.torch().get();
          out.add(new Finding(Codes.GPU_ARCH_NOT_IN_BUILD, Severity.ERROR,
              "torch " + t.version() + " has no kernels for " + g.label(),
              "torch " + t.version() + " was compiled for " + archs.get().names() + ". " + g.label() + " has compute capability " + ArchList.dotted(g.cc())
                  + ": no SASS of that major at or below it and no PTX it could JIT, so every GPU operation fails with 'no kernel image is available for execution on the device'"
                  + (!archs.get().sass().isEmpty() && g.cc() < archs.get().sass().first() ? " (this GPU is older than the build's oldest architecture)" : " (this GPU is newer than the build knows)") + ".",
              e.prefix(), List.of(new Evidence("torch archs", archs.get().names(), Source.derived(archSource(e))),
                  new Evidence("compute capability of " + g.name(), ArchList.dotted(g.cc()), Source.derived(g.ccFrom()))),
              List.of()));
        }
      }
    }
    return out;
  }

  static List<Finding> cpuOnly(Facts f) {
    List<Finding> out = new ArrayList<>();
    boolean nvidia = !f.gpus.isEmpty() || f.driverVersion.isPresent();
    if (!nvidia) {
      return out;
    }
    for (Facts.Env e : f.envs) {
      if (e.torch().isPresent() && !e.torch().get().kind().equals("cuda")) {
        TorchBuild t = e.torch().get();
        out.add(new Finding(Codes.TORCH_CPU_ONLY, f.gpus.isEmpty() ? Severity.WARNING : Severity.ERROR,
            "torch " + t.version() + " is a " + (t.kind().equals("rocm") ? "ROCm" : "CPU-only") + " build on an NVIDIA machine",
            "torch " + t.version() + " in " + e.prefix() + " has no CUDA (torch.version.cuda is None" + (t.hip() != null ? ", it is built for ROCm " + t.hip() : "")
                + "), so torch.cuda.is_available() is False and everything runs on the CPU. This usually means pip installed the CPU wheel (an index URL ending in /cpu, or a platform without CUDA wheels).",
            e.prefix(), List.of(new Evidence("torch", t.version() + " (cuda=" + t.cuda() + ")", Source.file(t.location() + "/torch/version.py"))),
            List.of()));
      }
    }
    return out;
  }

  static List<Finding> multipleInstalls(Facts f) {
    List<Finding> out = new ArrayList<>();
    for (Facts.Env e : f.envs) {
      List<Distribution> torches = e.env().distributions().stream().filter(d -> d.name().equalsIgnoreCase("torch")).toList();
      if (torches.size() < 2) {
        continue;
      }
      Distribution wins = torches.stream().filter(d -> !d.shadowed()).findFirst().orElse(torches.getFirst());
      List<Evidence> ev = new ArrayList<>();
      for (Distribution d : torches) {
        ev.add(new Evidence("torch " + d.version() + (d.shadowed() ? " (shadowed)" : " (imported)"), d.location(), Source.file(d.metadata() == null ? d.location() : d.metadata())));
      }
      out.add(new Finding(Codes.MULTIPLE_TORCH_INSTALLS, Severity.WARNING, torches.size() + " torch installations in " + e.prefix() + "; " + wins.version() + " wins",
          "Python imports torch from the first directory of its import path that has it: " + wins.location() + " (torch " + wins.version() + "). The other copies ("
              + String.join(", ", torches.stream().filter(d -> d != wins).map(d -> d.version() + " in " + d.location()).toList())
              + ") are never imported, but pip may still resolve against them, and a user-site copy (~/.local) hides the environment's own. Remove the copies you do not use.",
          e.prefix(), ev,
          wins.location().startsWith(e.prefix() + "/") ? List.of()
              : List.of(new Fix.RunCommand(List.of(e.prefix() + "/bin/python", "-m", "pip", "uninstall", "--yes", "torch"),
                  "remove the copy that hides the environment's own: pip uninstalls the one Python imports, torch " + wins.version() + " in " + wins.location()))));
    }
    return out;
  }

  static List<Finding> pinMismatch(Facts f) throws KbException {
    List<Finding> out = new ArrayList<>();
    for (Facts.Env e : f.envs) {
      if (e.torch().isEmpty()) {
        continue;
      }
      TorchBuild t = e.torch().get();
      List<Pin> bad = t.pins().stream().filter(p -> !p.satisfied() && p.name() != null && (p.name().startsWith("nvidia-") || p.name().startsWith("cuda-"))).toList();
      if (bad.isEmpty()) {
        continue;
      }
      boolean missing = bad.stream().anyMatch(p -> p.installed() == null);
      List<String> wanted = bad.stream().filter(p -> p.pinned() != null).map(p -> p.name() + "==" + p.pinned()).toList();
      out.add(new Finding(Codes.TORCH_NVIDIA_PIN_MISMATCH, missing ? Severity.ERROR : Severity.WARNING,
          "torch " + t.version() + "'s CUDA wheels differ from its pins: " + String.join(", ", bad.stream().map(p -> p.name()).toList()),
          "torch " + t.version() + " declares exact versions of the NVIDIA library wheels it was built and tested with. Here: "
              + String.join("; ", bad.stream().map(p -> p.name() + " pinned " + p.pinned() + ", installed " + (p.installed() == null ? "none" : p.installed())).toList())
              + ". " + (missing ? "A missing one makes import torch fail ('libcudnn.so.9: cannot open shared object file' or similar)."
                  : "Different versions usually load, but mixed minor releases can fail with undefined symbols (e.g. __nvJitLinkComplete_12_4).")
              + " This happens when another package or a manual pip install upgraded them.",
          e.prefix(), bad.stream().map(p -> new Evidence(p.name(), "pinned " + p.pinned() + ", installed " + p.installed(), Source.file(t.location() + "/torch-" + t.version() + ".dist-info/METADATA"))).toList(),
          wanted.isEmpty() ? List.of() : List.of(new Fix.Install("pip", wanted, null, "reinstall the versions torch " + t.version() + " pins"))));
    }
    return out;
  }

  /** Compiled extensions (xformers, flash-attn, vLLM) whose metadata pins a torch other than the installed one. */
  static List<Finding> extensionMismatch(Facts f) throws KbException {
    List<Finding> out = new ArrayList<>();
    for (Facts.Env e : f.envs) {
      if (e.torch().isEmpty()) {
        continue;
      }
      String torch = e.torch().get().version();
      String torchPublic = torch.contains("+") ? torch.substring(0, torch.indexOf('+')) : torch;
      for (String name : List.of("xformers", "vllm", "flash-attn", "flash_attn", "torchvision", "torchaudio")) {
        Optional<Distribution> d = e.dist(name);
        if (d.isEmpty()) {
          continue;
        }
        String pinned = null;
        String from = null;
        for (String r : d.get().requires()) {
          String req = r.replace(" ", "");
          if (req.startsWith("torch==") && !req.contains(";extra")) {
            pinned = req.substring("torch==".length()).split("[;,]")[0];
            from = "Requires-Dist: " + r.strip();
          }
        }
        if (pinned == null && name.equals("xformers")) {
          for (var x : f.kb.xformers()) {
            java.util.Optional<dev.cudastack.kb.Version> xv = dev.cudastack.kb.Version.parse(d.get().version());
            if (xv.isPresent() && f.range(x.versions()).contains(xv.get())) {
              pinned = x.torch();
              from = "knowledge base: xformers " + x.versions() + " wheels are built against torch " + x.torch() + " (" + x.source() + ")";
            }
          }
        }
        String pinnedPublic = pinned == null ? null : pinned.contains("+") ? pinned.substring(0, pinned.indexOf('+')) : pinned;
        if (pinned == null || torchPublic.equals(pinnedPublic) || (pinnedPublic.split("\\.").length == 2 && torchPublic.startsWith(pinnedPublic + "."))) {
          continue;
        }
        out.add(new Finding(Codes.EXTENSION_TORCH_MISMATCH, Severity.ERROR,
            d.get().name() + " " + d.get().version() + " was built for torch " + pinned + ", but torch " + torch + " is installed",
            d.get().name() + " ships compiled code linked against one torch release's C++ symbols. With torch " + torch + " its import fails with 'undefined symbol: _ZN3c10...' or it silently falls back to slower paths. "
                + "This happens when torch is upgraded or downgraded after installing it.",
            e.prefix(), List.of(new Evidence(d.get().name(), d.get().version() + " wants torch " + pinned, Source.derived(from)),
                new Evidence("torch", torch, Source.file(e.torch().get().location() + "/torch/version.py"))),
            List.of(new Fix.Install("pip", List.of(d.get().name() + "==" + d.get().version(), "torch==" + pinned), null,
                "either install the torch it was built for, or reinstall " + d.get().name() + " in the release built for torch " + torchPublic))));
      }
    }
    return out;
  }
}
