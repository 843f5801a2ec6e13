/**
 * A reader that stops early (`kubectl bookinfo --help | head -1`) is not a failure: what was
 * wanted has been read. Without a listener the write error would end in a stack trace.
 */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(0);
      throw error;
    });
  }
}
