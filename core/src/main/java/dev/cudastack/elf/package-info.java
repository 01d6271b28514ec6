/**
 * Reading binaries without running or loading them: 64-bit little-endian ELF shared objects
 * (dynamic section, symbols and their versions), the CUDA fat binaries in their .nv_fatbin
 * section, and a simulation of the dynamic loader's search. Every read is bounds-checked: hostile
 * or truncated files give an error message, never an exception or a read outside the file.
 */
package dev.cudastack.elf;
