/** Weir's version, as `weir --version` and the scoring server's `/version` print it. */
export const WEIR_VERSION = '0.1.0';
