// A captured terminal screen (tmux capture-pane -e: text with SGR colour codes) as an SVG image,
// for the README. Every run of text is placed on its cell and stretched to its cell count, so
// glyphs a font lacks (and a fallback font draws wider) cannot push the columns apart.

const PALETTE = [
  "#1e1e2e",
  "#f38ba8",
  "#a6e3a1",
  "#f9e2af",
  "#89b4fa",
  "#f5c2e7",
  "#94e2d5",
  "#bac2de",
  "#585b70",
  "#f38ba8",
  "#a6e3a1",
  "#f9e2af",
  "#89b4fa",
  "#f5c2e7",
  "#94e2d5",
  "#a6adc8",
];
const FOREGROUND = "#cdd6f4";
const BACKGROUND = "#1e1e2e";

interface Style {
  fg: string | null;
  bg: string | null;
  bold: boolean;
  dim: boolean;
  inverse: boolean;
}

interface Run {
  column: number;
  text: string;
  style: Style;
}

const plain = (): Style => ({ fg: null, bg: null, bold: false, dim: false, inverse: false });

function color256(n: number): string {
  if (n < 16) return PALETTE[n]!;
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${level(Math.floor(i / 36))},${level(Math.floor(i / 6) % 6)},${level(i % 6)})`;
}

function applySgr(style: Style, codes: number[]): Style {
  const next = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code === 0) Object.assign(next, plain());
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 22) next.bold = next.dim = false;
    else if (code === 7) next.inverse = true;
    else if (code === 27) next.inverse = false;
    else if (code >= 30 && code <= 37) next.fg = PALETTE[code - 30]!;
    else if (code >= 90 && code <= 97) next.fg = PALETTE[code - 90 + 8]!;
    else if (code === 39) next.fg = null;
    else if (code >= 40 && code <= 47) next.bg = PALETTE[code - 40]!;
    else if (code >= 100 && code <= 107) next.bg = PALETTE[code - 100 + 8]!;
    else if (code === 49) next.bg = null;
    else if ((code === 38 || code === 48) && codes[i + 1] === 5) {
      const value = color256(codes[i + 2] ?? 0);
      if (code === 38) next.fg = value;
      else next.bg = value;
      i += 2;
    } else if ((code === 38 || code === 48) && codes[i + 1] === 2) {
      const value = `rgb(${codes[i + 2] ?? 0},${codes[i + 3] ?? 0},${codes[i + 4] ?? 0})`;
      if (code === 38) next.fg = value;
      else next.bg = value;
      i += 4;
    }
  }
  return next;
}

/** The screen's lines as runs of equally styled text, with the column each starts at. */
export function parseScreen(text: string): Run[][] {
  let style = plain();
  return text.split("\n").map((line) => {
    const runs: Run[] = [];
    let column = 0;
    for (const part of line.split(/(\u001B\[[0-9;]*m)/)) {
      const sgr = /^\u001B\[([0-9;]*)m$/.exec(part);
      if (sgr) {
        style = applySgr(style, (sgr[1] || "0").split(";").map(Number));
        continue;
      }
      const clean = part.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, "");
      if (!clean) continue;
      runs.push({ column, text: clean, style });
      column += [...clean].length;
    }
    return runs;
  });
}

const xml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function screenToSvg(
  text: string,
  options: { columns: number; rows: number; title?: string },
): string {
  const cw = 8.4;
  const lh = 18;
  const pad = 14;
  const bar = options.title ? 28 : 0;
  const width = Math.ceil(options.columns * cw + pad * 2);
  const height = Math.ceil(options.rows * lh + pad * 2 + bar);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${xml(options.title ?? "A terminal")}</title>`,
    `<rect width="100%" height="100%" rx="8" fill="${BACKGROUND}"/>`,
  ];
  if (options.title) {
    out.push(
      `<circle cx="20" cy="14" r="6" fill="#f38ba8"/><circle cx="40" cy="14" r="6" fill="#f9e2af"/><circle cx="60" cy="14" r="6" fill="#a6e3a1"/>`,
      `<text x="${width / 2}" y="19" fill="#a6adc8" font-family="monospace" font-size="13" text-anchor="middle">${xml(options.title)}</text>`,
    );
  }
  out.push(
    `<g font-family="'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace" font-size="14" xml:space="preserve">`,
  );
  parseScreen(text)
    .slice(0, options.rows)
    .forEach((runs, row) => {
      const y = pad + bar + row * lh;
      for (const run of runs) {
        const cells = [...run.text].length;
        const x = pad + run.column * cw;
        let fg = run.style.fg ?? FOREGROUND;
        let bg = run.style.bg;
        if (run.style.inverse) [fg, bg] = [bg ?? BACKGROUND, fg];
        if (bg)
          out.push(
            `<rect x="${x.toFixed(1)}" y="${y}" width="${(cells * cw).toFixed(1)}" height="${lh}" fill="${bg}"/>`,
          );
        if (!run.text.trim()) continue;
        const weight = run.style.bold ? ` font-weight="bold"` : "";
        const opacity = run.style.dim ? ` fill-opacity="0.6"` : "";
        out.push(
          `<text x="${x.toFixed(1)}" y="${y + 13}" fill="${fg}"${weight}${opacity} textLength="${(cells * cw).toFixed(1)}" lengthAdjust="spacingAndGlyphs">${xml(run.text)}</text>`,
        );
      }
    });
  out.push("</g>", "</svg>");
  return `${out.join("\n")}\n`;
}
