package dev.cudastack.buildtools;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites, inside a jar, every class file older than Java 6 (version 50) as a Java 8 class with
 * stack maps. Why: the JDK's AOT cache skips "old" classes once they have been linked, and picocli
 * ships Java 5 class files, so without this step its ~200 classes are loaded and verified on every
 * start — about 40 ms of the doctor's budget. Behaviour is unchanged: the code is re-emitted as is.
 *
 * <p>Usage: {@code ClassVersionUpgrade JAR} (rewritten in place, atomically).
 */
public final class ClassVersionUpgrade {
  private static final int JAVA_6 = 50;
  private static final int TARGET = 52;

  private ClassVersionUpgrade() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: ClassVersionUpgrade JAR");
      System.exit(2);
    }
    Path jar = Path.of(args[0]);
    Path tmp = Files.createTempFile(jar.toAbsolutePath().getParent(), ".upgrade", ".jar");
    int upgraded = 0;
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
        ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(tmp))) {
      ClassFile cf = ClassFile.of(
          ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
          ClassFile.ClassHierarchyResolverOption.of(
              ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(loader))));
      ClassTransform version = (builder, element) -> {
        if (element instanceof ClassFileVersion) {
          builder.withVersion(TARGET, 0);
        } else {
          builder.with(element);
        }
      };
      ClassTransform upgrade = version.andThen(ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL));
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        byte[] bytes = in.readAllBytes();
        if (e.getName().endsWith(".class") && bytes.length > 8 && (((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff)) < JAVA_6) {
          bytes = cf.transformClass(cf.parse(bytes), upgrade);
          upgraded++;
        }
        ZipEntry copy = new ZipEntry(e.getName());
        copy.setTime(e.getTime());
        out.putNextEntry(copy);
        out.write(bytes);
        out.closeEntry();
      }
    }
    Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    System.out.println("[cudastack] " + upgraded + " pre-Java-6 classes in " + jar.getFileName() + " rewritten as Java 8 classes");
  }
}
