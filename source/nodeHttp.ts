import { createRequire } from "node:module";

/**
 * node:http through require. An ESM import of node:http builds its namespace by reading every
 * export, and the lazy `WebSocket` export loads Node's bundled undici: about 30 ms of start-up
 * for a module nobody here uses. require reads nothing until asked.
 */
export const http: typeof import("node:http") = createRequire(import.meta.url)("node:http");
