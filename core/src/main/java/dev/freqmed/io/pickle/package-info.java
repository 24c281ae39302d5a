/**
 * A restricted pickle reader: it interprets only the opcodes that plain data needs and hands every
 * global reference to a policy that either maps it to a known pure function or refuses it by name.
 * Nothing in a pickle is ever executed.
 */
package dev.freqmed.io.pickle;
