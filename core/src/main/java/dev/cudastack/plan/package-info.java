/**
 * `cudastack plan`: a project's dependency files, read statically (never executed), planned onto a
 * target machine (this one, a snapshot, a tree, or a description) with the knowledge base: a verdict
 * per pin, a resolved stack and the steps to install it.
 */
package dev.cudastack.plan;
