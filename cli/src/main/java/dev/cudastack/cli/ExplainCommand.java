package dev.cudastack.cli;

import dev.cudastack.check.Checks;
import dev.cudastack.check.Diagnosis;
import dev.cudastack.check.Finding;
import dev.cudastack.explain.Explainer;
import dev.cudastack.explain.Explanation;
import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.model.Snapshot;
import dev.cudastack.report.ExplainReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.nio.file.InvalidPathException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cudastack explain [FILE...|-]}: an error log → the ranked causes, with the doctor's codes and fixes. */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    versionProvider = CudastackCommand.Version.class,
    description = {"Read an error log (files, or - for standard input; any size, streamed) and name the causes with the doctor's codes,",
        "the lines that show them, what they mean and the fix. --with-doctor also reads this machine (or --root/--snapshot) to confirm them;",
        "this machine is read by default when the log names files that exist here (--no-doctor: never).",
        "Exit 0 when causes were found, 1 when none is known."})
final class ExplainCommand implements Callable<Integer> {
  private final Map<String, String> env;
  private final InputStream stdin;

  @Parameters(paramLabel = "FILE", arity = "0..*", description = "Log files; - (or none) reads standard input.")
  List<String> files = new ArrayList<>();

  @Option(names = "--json", description = "Machine-readable output with a top-level causes array.")
  boolean json;

  @Option(names = "--markdown", description = "Markdown to paste into an issue.")
  boolean markdown;

  @Option(names = "--with-doctor", description = "Also probe the target (this machine, --root or --snapshot) and confirm or refute each cause with the doctor's findings.")
  boolean withDoctor;

  @Option(names = "--no-doctor", description = "Do not read this machine, even when the log names files that exist here.")
  boolean noDoctor;

  @Mixin TargetOptions target;

  @Spec CommandSpec spec;

  ExplainCommand(Map<String, String> env, InputStream stdin) {
    this.env = env;
    this.stdin = stdin;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (json && markdown) {
      err.println("cudastack: --json and --markdown are mutually exclusive");
      return ExitCodes.TOOL_FAILED;
    }
    if (withDoctor && noDoctor) {
      err.println("cudastack: --with-doctor and --no-doctor are mutually exclusive");
      return ExitCodes.TOOL_FAILED;
    }
    List<InputStream> inputs = new ArrayList<>();
    List<LogInput> logs = new ArrayList<>();
    try {
      boolean stdinTaken = false;
      for (String f : files.isEmpty() ? List.of("-") : files) {
        if (f.equals("-")) {
          if (stdinTaken) {
            err.println("cudastack: - is given twice: standard input is read once");
            return ExitCodes.TOOL_FAILED;
          }
          stdinTaken = true;
          logs.add(LogInput.stdin(stdin));
          continue;
        }
        Path p = Path.of(f);
        if (!Files.isReadable(p) || Files.isDirectory(p)) {
          err.println("cudastack: cannot read " + f + (Files.exists(p) ? " (not a readable file)" : " (no such file)"));
          return ExitCodes.TOOL_FAILED;
        }
        logs.add(LogInput.file(() -> Files.newInputStream(p), f));
      }
      inputs.addAll(logs);
      KnowledgeBase kb = KnowledgeBase.bundled();
      Explanation e = new Explainer(kb).explain(inputs);
      for (LogInput l : logs) {
        if (l.damage() != null) {
          err.println("cudastack: " + l.damage());
        }
      }
      // Unasked, this machine is read only for a log that names its files and has causes to confirm.
      Optional<String> here = withDoctor || noDoctor || target.root != null || target.snapshot != null || e.unknown() ? Optional.empty()
          : sameMachineWithin(e.paths(), Duration.ofSeconds(2), err);
      if (withDoctor || here.isPresent()) {
        Optional<Snapshot> s = Targets.loadOrExplain(target, env, err);
        if (s.isEmpty()) {
          if (withDoctor) {
            return ExitCodes.TOOL_FAILED;
          }
        } else {
          e = confirm(e, Checks.run(s.get(), kb), here.map(p -> "the log names " + p + ", which exists here: this machine was read too (--no-doctor to skip)")
              .orElse("the target was read too (--with-doctor)"));
        }
      }
      if (json) {
        ExplainReport.json(e, out);
      } else if (markdown) {
        ExplainReport.markdown(e, out);
      } else {
        ExplainReport.text(e, out);
      }
      return e.unknown() ? ExitCodes.WARNINGS : ExitCodes.OK;
    } catch (IOException ex) {
      err.println("cudastack: cannot read the log: " + ex.getMessage());
      return ExitCodes.TOOL_FAILED;
    } catch (KbException ex) {
      err.println("cudastack: knowledge base: " + ex.getMessage());
      return ExitCodes.TOOL_FAILED;
    } finally {
      closeAll(inputs);
    }
  }

  /** Closes what an early end left open (a log input closes itself at its end; standard input is never closed). */
  private static void closeAll(List<InputStream> inputs) {
    for (InputStream in : inputs) {
      if (in instanceof LogInput) {
        try {
          in.close();
        } catch (IOException e) {
          // nothing to do: it was only read
        }
      }
    }
  }

  /**
   * The first path the log names that is a file on this machine, or, for a missing file, whose folder
   * is a package folder inside site-packages/dist-packages here (the bitsandbytes folder that lacks
   * the binary the log wanted). A bare site-packages, an environment's root, a cache or a folder on
   * the PATH does not count: those exist on many machines.
   */
  static Optional<String> sameMachine(List<String> paths, Predicate<Path> isFile, Predicate<Path> isDirectory) {
    for (String p : paths) {
      try {
        Path path = Path.of(p);
        if (isFile.test(path)) {
          return Optional.of(p);
        }
        Path folder = path.getParent();
        Path packages = folder == null ? null : folder.getParent();
        if (packages != null && packages.getFileName() != null && PACKAGE_DIRS.contains(packages.getFileName().toString()) && isDirectory.test(folder)) {
          return Optional.of(folder.toString());
        }
      } catch (InvalidPathException | SecurityException ex) {
        // a path this file system cannot hold, or may not look at, tells nothing
      }
    }
    return Optional.empty();
  }

  private static final Set<String> PACKAGE_DIRS = Set.of("site-packages", "dist-packages");

  /**
   * {@link #sameMachine} on this file system, within {@code limit}: a stale network mount can make
   * a file test hang, and then the machine is not read.
   */
  static Optional<String> sameMachineWithin(List<String> paths, Duration limit, PrintWriter err) {
    ExecutorService one = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cudastack-same-machine");
      t.setDaemon(true);
      return t;
    });
    try {
      return one.submit(() -> sameMachine(paths, Files::isRegularFile, Files::isDirectory)).get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException ex) {
      err.println("cudastack: looking for the log's files on this machine took over " + limit.toSeconds() + " s (a slow mount?): this machine was not read");
      return Optional.empty();
    } catch (ExecutionException ex) {
      return Optional.empty();
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } finally {
      one.shutdownNow();
    }
  }

  /** Each cause confirmed by the same code among the doctor's findings, or said not to be seen. */
  static Explanation confirm(Explanation e, Diagnosis d, String why) {
    List<Explanation.Cause> out = new ArrayList<>();
    for (Explanation.Cause c : e.causes()) {
      Optional<Finding> f = d.findings().stream().filter(x -> x.code().equals(c.code())).findFirst();
      out.add(c.withMachine(f.map(x -> "confirmed on this machine: " + x.title())
          .or(() -> Checks.refutation(d, c.code()).map(x -> "refuted on this machine: " + x + " (the log may come from another machine or an earlier state)"))
          .orElse("not seen on this machine (the log may come from another machine or an earlier state)")));
    }
    return e.withMachine(out, why);
  }
}
