package dev.cudastack.cli;

import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.model.Snapshot;
import dev.cudastack.plan.Plan;
import dev.cudastack.plan.Planner;
import dev.cudastack.plan.Project;
import dev.cudastack.plan.ProjectReader;
import dev.cudastack.plan.Target;
import dev.cudastack.report.PlanReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cudastack plan PATH}: a working stack for a project on this machine, a tree, a snapshot, or a described one. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    versionProvider = CudastackCommand.Version.class,
    description = {"Plan a project's Python stack onto a machine: a verdict per pin, the resolved stack with every change explained, and the steps.",
        "PATH is a requirements file, pyproject.toml, environment.yml, setup.py, Dockerfile or a project directory; nothing is executed or installed.",
        "Exit 0 when the project works as written, 1 when the plan changes something, 3 on bad input."})
final class PlanCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Parameters(paramLabel = "PATH", description = "A dependency file or a project directory.")
  Path path;

  @Mixin TargetOptions target;

  @Option(names = "--gpu", paramLabel = "NAME", description = "Plan for a described machine: a GPU model (repeatable), e.g. \"H100\".")
  List<String> gpus = new ArrayList<>();

  @Option(names = "--driver", paramLabel = "VERSION", description = "The described machine's driver, e.g. 535.104.05.")
  String driver;

  @Option(names = "--toolkit", paramLabel = "X.Y", description = "A CUDA toolkit installed on the described machine (repeatable).")
  List<String> toolkits = new ArrayList<>();

  @Option(names = "--python-version", paramLabel = "X.Y", description = "The Python to plan for (default: the target's active environment); `--python X.Y` means the same.")
  String python;

  @Option(names = "--keep-pins", description = "Change only what cannot work.")
  boolean keepPins;

  @Option(names = "--newest", description = "The newest stack that works.")
  boolean newest;

  @Option(names = "--cuda", paramLabel = "cuXYZ", description = "Force a CUDA variant of torch, e.g. cu121.")
  String cuda;

  @Option(names = "--no-build", description = "Avoid anything that compiles CUDA code locally.")
  boolean noBuild;

  @Option(names = "--write-constraints", paramLabel = "FILE", description = "Write the plan as a pip constraints file (refuses to overwrite).")
  Path constraints;

  @Option(names = "--json", description = "Machine-readable: target, verdicts, stack, commands, env.")
  boolean json;

  @Spec CommandSpec spec;

  PlanCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.exists(path)) {
      err.println("cudastack: " + path + ": no such file or directory");
      return ExitCodes.TOOL_FAILED;
    }
    if (cuda != null && !cuda.matches("cu\\d{2,3}")) {
      err.println("cudastack: --cuda must look like cu121, not '" + cuda + "'");
      return ExitCodes.TOOL_FAILED;
    }
    // `--python 3.10` names a Python version to plan for (the spelling); a prefix or an
    // interpreter path is an environment to read, as for the doctor.
    for (String v : List.copyOf(target.pythons)) {
      if (v.matches("\\d+\\.\\d+(\\.\\d+)?")) {
        target.pythons.remove(v);
        if (python == null) {
          python = v;
        }
      }
    }
    if (driver != null && !driver.matches("\\d+(\\.\\d+){1,2}")) {
      err.println("cudastack: a driver version looks like 535.104.05, not '" + driver + "'");
      return ExitCodes.TOOL_FAILED;
    }
    for (String tk : toolkits) {
      if (!tk.matches("\\d+\\.\\d+(\\.\\d+)?")) {
        err.println("cudastack: a toolkit version looks like 12.6, not '" + tk + "'");
        return ExitCodes.TOOL_FAILED;
      }
    }
    boolean described = !gpus.isEmpty() || driver != null || !toolkits.isEmpty();
    if (described && !target.pythons.isEmpty()) {
      err.println("cudastack: for a described machine --python takes a version such as 3.10, not '" + target.pythons.getFirst() + "'");
      return ExitCodes.TOOL_FAILED;
    }
    if (described && (target.root != null || target.snapshot != null || target.envFile != null)) {
      err.println("cudastack: --gpu/--driver/--toolkit describe a machine; they cannot be combined with --root, --env-file or --snapshot");
      return ExitCodes.TOOL_FAILED;
    }
    if (python != null) {
      if (!python.matches("\\d+\\.\\d+(\\.\\d+)?")) {
        err.println("cudastack: a Python version looks like 3.10, not '" + python + "'");
        return ExitCodes.TOOL_FAILED;
      }
      python = python.replaceAll("^(\\d+\\.\\d+).*$", "$1");
    }
    try {
      KnowledgeBase kb = KnowledgeBase.bundled();
      Target t;
      if (described) {
        t = Target.describe(gpus, driver, python, toolkits, kb);
      } else {
        Optional<Snapshot> s = Targets.loadOrExplain(target, env, err);
        if (s.isEmpty()) {
          return ExitCodes.TOOL_FAILED;
        }
        t = Target.of(s.get(), kb, python);
      }
      Project project = ProjectReader.read(path);
      Plan p = new Planner(kb).plan(project, t, new Planner.Options(keepPins, newest, cuda, noBuild));
      if (json) {
        PlanReport.json(p, out);
      } else {
        PlanReport.text(p, out);
      }
      if (constraints != null) {
        if (Files.exists(constraints)) {
          err.println("cudastack: " + constraints + " exists; not overwriting it");
          return ExitCodes.TOOL_FAILED;
        }
        Path dir = constraints.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".cudastack-constraints", ".tmp");
        Files.writeString(tmp, PlanReport.constraints(p), StandardCharsets.UTF_8);
        Files.move(tmp, constraints, StandardCopyOption.ATOMIC_MOVE);
        err.println("cudastack: wrote " + constraints);
      }
      boolean asWritten = p.verdicts().stream().allMatch(Plan.Verdict::ok) && p.stack().stream().noneMatch(Plan.Entry::changed);
      return asWritten ? ExitCodes.OK : ExitCodes.WARNINGS;
    } catch (KbException e) {
      err.println("cudastack: knowledge base: " + e.getMessage());
      return ExitCodes.TOOL_FAILED;
    } catch (IOException e) {
      err.println("cudastack: cannot write " + constraints + ": " + e.getMessage());
      return ExitCodes.TOOL_FAILED;
    }
  }
}
