/**
 * The one typed contract between the extension and the engine's language server.
 * Every custom request and notification is declared here once, with the direction it goes.
 * (Filled in by the language-server work; see docs/ARCHITECTURE.md.)
 */
export {};
