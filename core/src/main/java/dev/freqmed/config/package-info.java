/**
 * YAML configuration: strict parsing into records (an unknown key or a value of the wrong type is
 * an error naming the file and the key) and merging of presets with overrides.
 */
package dev.freqmed.config;
