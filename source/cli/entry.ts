// The process's entry: the CLI's one top-level statement, kept apart from main.ts so the same
// program can also be bundled as CommonJS (the single-file executable, scripts/sea/), where
// there is no top-level await.
import { endQuietlyOnClosedPipe } from "./closedPipe.ts";
import { main } from "./main.ts";

endQuietlyOnClosedPipe();
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
