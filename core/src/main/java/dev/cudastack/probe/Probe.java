package dev.cudastack.probe;

/**
 * Reads one area of the machine into one section of the snapshot. {@link #read} must not throw
 * for anything the machine can do to it; {@link #unavailable} builds the section when the probe
 * crashed or ran out of time, with every fact saying why.
 */
interface Probe<T> {
  String name();

  T read(Machine machine, Notes notes);

  T unavailable(dev.cudastack.model.Observation<String> why);
}
