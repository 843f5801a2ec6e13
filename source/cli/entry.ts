// The process's entry: the CLI's one top-level statement, kept apart from main.ts so the same
// program can also be bundled as CommonJS (the single-file executable), where there is no
// top-level await.
import { main } from "./main.ts";

// A reader that stops early (`kubectl bookinfo --help | head -1`) is not a failure: the output
// that was wanted has been read. Without a listener the write error would end in a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
