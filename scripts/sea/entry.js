// The single-file executable's entry (see scripts/build-sea.js): the CLI's main, as in
// source/cli/entry.ts, once the layout engine is loaded.
import { endQuietlyOnClosedPipe } from "../../source/cli/closedPipe.ts";
import { main } from "../../source/cli/main.ts";
import { yogaReady } from "./yoga.js";

endQuietlyOnClosedPipe();
yogaReady
  .then(() => main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });
