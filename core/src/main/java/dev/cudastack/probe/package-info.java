/**
 * Probes read the machine into a {@link dev.cudastack.model.Snapshot}. All outside effects go
 * through three seams — a {@link dev.cudastack.probe.MachineFs} (a filesystem root, so that
 * {@code --root} trees and tests share the code), the environment map, and a {@link
 * dev.cudastack.probe.CommandRunner} (argument lists with a timeout) — plus {@link
 * dev.cudastack.probe.NativeAccess} for NVML and libcuda. Probes run concurrently and never throw:
 * what they cannot read becomes an absent, failed or timed-out observation and a note.
 */
package dev.cudastack.probe;
