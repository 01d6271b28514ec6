package dev.cudastack.check;

import dev.cudastack.kb.KbException;
import java.util.List;

/** A pure function from the derived facts of a snapshot to findings. */
@FunctionalInterface
interface Check {
  List<Finding> run(Facts f) throws KbException;
}
