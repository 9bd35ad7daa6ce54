// Temporal's runtime with warnings-only logging, installed before anything creates one.
import '../../src/temporal/quiet-runtime.ts';
