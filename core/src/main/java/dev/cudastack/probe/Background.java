package dev.cudastack.probe;

import java.util.concurrent.Executor;

/**
 * Where probes run side by side: one platform daemon thread per task. Platform threads start
 * faster than the virtual-thread machinery in a short-lived process, and a daemon thread stuck in a
 * hung call cannot keep the process alive.
 */
final class Background {
  static final Executor DAEMON = task -> Thread.ofPlatform().daemon(true).name("cudastack-probe").start(task);

  private Background() {}
}
