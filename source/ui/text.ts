// Line-exact text fitting. The layout counts every line it draws, so nothing may wrap behind its
// back: a live region that grows past the terminal makes Ink clear the screen on every frame.
// Every glyph the tour draws (ASCII, marks, bars) is one cell wide, so code points are cells.

export function cells(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** `text` cut to `width` cells, ending in an ellipsis when something was cut. */
export function truncate(text: string, width: number, ascii = false): string {
  if (width <= 0) return "";
  if (cells(text) <= width) return text;
  const ellipsis = ascii ? "~" : "…";
  return `${[...text].slice(0, Math.max(0, width - 1)).join("")}${ellipsis}`;
}

export function padEnd(text: string, width: number): string {
  const n = cells(text);
  return n >= width ? text : text + " ".repeat(width - n);
}

export function padStart(text: string, width: number): string {
  const n = cells(text);
  return n >= width ? text : " ".repeat(width - n) + text;
}

/**
 * Word-wraps `text` to lines of at most `width` cells; words longer than a line are broken.
 * Continuation lines start with `indent`, so a wrapped command still reads as one.
 */
export function wrap(text: string, width: number, indent = ""): string[] {
  if (width <= 0) return [];
  if (cells(indent) >= width) indent = "";
  const lines: string[] = [];
  let line = "";
  const room = () => width - (lines.length === 0 ? 0 : cells(indent));
  const push = () => {
    lines.push(lines.length === 0 ? line : indent + line);
    line = "";
  };
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    let rest = word;
    if (line && cells(line) + 1 + cells(rest) > room()) push();
    while (cells(rest) > room()) {
      const space = room() - (line ? cells(line) + 1 : 0);
      if (space <= 0) {
        push();
        continue;
      }
      line = line ? `${line} ${[...rest].slice(0, space).join("")}` : [...rest].slice(0, space).join("");
      rest = [...rest].slice(space).join("");
      push();
    }
    if (rest) line = line ? `${line} ${rest}` : rest;
  }
  if (line || lines.length === 0) push();
  return lines;
}

/**
 * `text` seen through a window `width` cells wide, moved `shift` cells to the right: an ellipsis
 * at either end says there is more of the line that way.
 */
export function sideways(text: string, shift: number, width: number, ascii = false): string {
  if (width <= 0) return "";
  const chars = [...text];
  const start = Math.max(0, Math.min(shift, chars.length - 1));
  if (start === 0) return truncate(text, width, ascii);
  const ellipsis = ascii ? "~" : "…";
  return truncate(`${ellipsis}${chars.slice(start + 1).join("")}`, width, ascii);
}
