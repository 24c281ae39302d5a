/**
 * Post-processing of nucleus predictions: the horizontal/vertical distance targets a network is
 * trained on and the step-by-step pipeline (watershed mask, markers, distance, marker-controlled
 * watershed, type vote) that turns NP/HV/NC maps into typed nucleus instances.
 */
package dev.freqmed.post;
