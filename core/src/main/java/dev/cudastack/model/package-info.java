/**
 * The snapshot of a machine's CUDA stack: immutable records in which every fact is an {@link
 * dev.cudastack.model.Observation} that says what was seen and where it came from. Probes produce
 * it, checks and reports read it, and it round-trips through JSON so that it can be replayed on
 * another machine.
 */
package dev.cudastack.model;
