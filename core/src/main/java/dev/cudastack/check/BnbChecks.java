package dev.cudastack.check;

import dev.cudastack.kb.KbException;
import dev.cudastack.model.PythonInfo.BnbSetup;
import dev.cudastack.model.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** bitsandbytes: which binary it will load (decided by the probe from its version's rule), judged. */
final class BnbChecks {
  private BnbChecks() {}

  static List<Finding> run(Facts f) throws KbException {
    List<Finding> out = new ArrayList<>();
    boolean gpuWork = !f.gpus.isEmpty() || f.driverVersion.isPresent();
    for (Facts.Env e : f.envs) {
      Optional<BnbSetup> o = e.env().bitsandbytes().get();
      if (o.isEmpty()) {
        continue;
      }
      BnbSetup b = o.get();
      boolean torchCuda = e.torchCuda().isPresent();
      Severity sev = gpuWork || torchCuda ? Severity.ERROR : Severity.WARNING;
      Source src = Source.file(b.location());
      List<Evidence> ev = new ArrayList<>();
      ev.add(new Evidence("bitsandbytes", b.version() + " (" + b.rule() + ")", src));
      ev.add(new Evidence("CUDA binaries shipped", shipped(b), src));
      e.torch().ifPresent(t -> ev.add(new Evidence("torch", t.version(), Source.file(t.location() + "/torch/version.py"))));
      boolean hasCuda = b.binaries().stream().anyMatch(x -> x.startsWith("libbitsandbytes_cuda"));
      String override = f.env.get("BNB_CUDA_VERSION");
      if (!hasCuda) {
        out.add(new Finding(Codes.BNB_CPU_ONLY, gpuWork ? Severity.ERROR : Severity.INFO, "bitsandbytes " + b.version() + " ships no CUDA binary",
            "This bitsandbytes build has no libbitsandbytes_cuda*.so (" + b.why() + "). 8-bit optimizers, LLM.int8() and 4-bit quantization (QLoRA) cannot use the GPU: "
                + "'The installed version of bitsandbytes was compiled without GPU support'.",
            e.prefix(), ev, install(f, e, "a bitsandbytes wheel with CUDA binaries")));
        continue;
      }
      if (override != null && !override.isBlank()) {
        String torchDigits = e.torchCuda().map(c -> c.replace(".", "")).orElse(null);
        boolean mismatch = torchDigits != null && !torchDigits.equals(override.strip());
        if (mismatch || !"cuda".equals(b.outcome())) {
          ev.add(new Evidence("BNB_CUDA_VERSION", override, Source.env("BNB_CUDA_VERSION")));
          out.add(new Finding(Codes.BNB_CUDA_VERSION_OVERRIDE, "cuda".equals(b.outcome()) ? Severity.WARNING : sev,
              "BNB_CUDA_VERSION=" + override + " forces " + (b.wanted() == null ? "a binary" : b.wanted()) + ("cuda".equals(b.outcome()) ? "" : ", which is not shipped"),
              "BNB_CUDA_VERSION replaces the CUDA version bitsandbytes would take from torch" + (torchDigits == null ? "" : " (" + torchDigits + ")") + ". " + b.why() + ". "
                  + ("cuda".equals(b.outcome()) ? "A binary for another CUDA than torch's can crash or fail with missing symbols." : "It cannot load the GPU library."),
              e.prefix(), ev, List.of(new Fix.UnsetEnv("BNB_CUDA_VERSION", "let bitsandbytes follow torch's CUDA"))));
          continue;
        }
      }
      if (b.wanted() == null && "cpu".equals(b.outcome()) && b.rule().startsWith("≤ 0.40")) {
        out.add(new Finding(Codes.BNB_LIBCUDART_NOT_FOUND, sev, "bitsandbytes " + b.version() + " finds no libcudart and loads its CPU library",
            "bitsandbytes " + b.version() + " picks its binary from the first libcudart.so it finds in $CONDA_PREFIX/lib, LD_LIBRARY_PATH and other path variables, not from torch. " + b.why()
                + ". It prints 'WARNING: No libcudart.so found!' and runs on the CPU.",
            e.prefix(), ev, install(f, e, "a bitsandbytes that takes the CUDA version from torch")));
        continue;
      }
      if (!"cuda".equals(b.outcome()) && b.wanted() != null && !b.binaries().contains(b.wanted())) {
        boolean fails = "error".equals(b.outcome());
        out.add(new Finding(Codes.BNB_BINARY_MISSING, sev,
            "bitsandbytes " + b.version() + " wants " + b.wanted() + ", which it does not ship" + (fails ? ": GPU calls fail" : ": it falls back to the CPU"),
            b.why() + ". " + (fails ? "Every GPU function raises 'Configured CUDA binary not found'." : "QLoRA/8-bit training then fails with 'CUDA Setup failed despite GPU being available' or silently runs without the GPU.")
                + " Shipped: " + shipped(b) + "." + noRelease(f, e),
            e.prefix(), ev, install(f, e, "a bitsandbytes that ships a binary for torch's CUDA")));
      }
    }
    return out;
  }

  /** "cuda110 cuda111 … cuda121 (each also _nocublaslt), cuda102 (_nocublaslt only)" rather than every file name. */
  static String shipped(BnbSetup b) {
    List<String> plain = new ArrayList<>();
    List<String> only = new ArrayList<>();
    boolean variants = false;
    for (String f : b.binaries()) {
      if (!f.startsWith("libbitsandbytes_cuda") || !f.endsWith(".so")) {
        continue;
      }
      String stem = f.substring("libbitsandbytes_".length(), f.length() - 3);
      if (stem.endsWith("_nocublaslt")) {
        variants = true;
        String base = stem.substring(0, stem.length() - "_nocublaslt".length());
        if (!b.binaries().contains("libbitsandbytes_" + base + ".so")) {
          only.add(base);
        }
      } else {
        plain.add(stem);
      }
    }
    if (plain.isEmpty() && only.isEmpty()) {
      return "no CUDA binary";
    }
    return String.join(" ", plain) + (variants && !plain.isEmpty() ? " (each also _nocublaslt)" : "")
        + (only.isEmpty() ? "" : (plain.isEmpty() ? "" : "; ") + String.join(" ", only) + " (_nocublaslt only)");
  }

  /** A sentence when no bitsandbytes release can serve this torch, pointing at the proposed stack. */
  private static String noRelease(Facts f, Facts.Env e) throws KbException {
    if (e.torchCuda().isEmpty() || StackAdvisor.bnbFor(f, e, e.torch().get().version(), e.torchCuda().get()).isPresent()) {
      return "";
    }
    return " No bitsandbytes release that follows torch's CUDA ships a CUDA " + e.torchCuda().get() + " binary for this Python: the proposed stack changes torch.";
  }

  /** Install the newest bitsandbytes that ships torch's CUDA binary here, if the KB knows one. */
  private static List<Fix> install(Facts f, Facts.Env e, String what) throws KbException {
    Optional<String> spec = StackAdvisor.bnbFor(f, e, e.torch().map(t -> t.version()).orElse(null), e.torchCuda().orElse(null));
    if (spec.isEmpty()) {
      return List.of();
    }
    return List.of(new Fix.Install("pip", List.of(spec.get()), null, what + " (" + spec.get() + ")"));
  }
}
