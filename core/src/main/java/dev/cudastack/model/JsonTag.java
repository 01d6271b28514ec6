package dev.cudastack.model;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the JSON property that tells the variants of a sealed interface apart; the value is the
 * variant's simple name with a lower-case first letter ({@code Found} → {@code "found"}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface JsonTag {
  String value();
}
