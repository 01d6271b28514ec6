/**
 * Build-time tools, run by Maven and never shipped: they prepare the CLI jar so that the JDK's
 * AOT cache can hold every class the doctor uses.
 */
package dev.cudastack.buildtools;
