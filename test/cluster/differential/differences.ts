import { readFileSync } from "node:fs";
import { type Observation, REQUEST_FACETS, RESOLUTION_FACETS } from "./observation.ts";

/** One facet on which we and a reference client disagree for one case. */
export interface Difference {
  case: string;
  facet: string;
  /** kubectl or client-node, on the recording endpoint; "kubectl against the sandbox" live. */
  reference: string;
  theirs: string;
  ours: string;
}

/** A row of the table in docs/kubeconfig-differences.md: a difference we keep, and why. */
export interface DocumentedDifference {
  cases: string[] | "*";
  facet: string;
  reference: string;
  theirs: string;
  ours: string;
  why: string;
  line: number;
}

/** How the document's rows name what only the run against the sandbox shows (exec-plugins.test.ts). */
export const LIVE = "kubectl against the sandbox";

const ABSENT = "(absent)";
const EMPTY = "(empty)";

const shown = (value: string | undefined) => (value === undefined ? ABSENT : value === "" ? EMPTY : value);

/**
 * Every facet on which `ours` and `reference` disagree; a facet only one of them has counts too.
 * When the outcomes differ (one failed, or they failed for different reasons), that is the
 * difference, and what each resolved on the way is not compared.
 */
export function compare(caseName: string, reference: Observation, ours: Observation): Difference[] {
  const sameOutcome = reference.facets.outcome === ours.facets.outcome;
  // Both failed the same way: what each resolved, and how far its requests got, is no difference a
  // person sees; how often it ran a plugin or was refused still is.
  const bothFailed = sameOutcome && ours.facets.outcome !== "ok";
  const facets = sameOutcome
    ? new Set(
        [...Object.keys(reference.facets), ...Object.keys(ours.facets)].filter(
          (facet) => !(bothFailed && (RESOLUTION_FACETS.has(facet) || REQUEST_FACETS.has(facet))),
        ),
      )
    : new Set(["outcome"]);
  const out: Difference[] = [];
  for (const facet of [...facets].sort()) {
    const theirs = reference.facets[facet];
    const mine = ours.facets[facet];
    if (theirs !== mine)
      out.push({
        case: caseName,
        facet,
        reference: reference.client,
        theirs: shown(theirs),
        ours: shown(mine),
      });
  }
  return out;
}

/**
 * The rows of every Markdown table whose header is `| Case | Facet | Compared with | They | We | Why |`.
 * Cells are read without their backticks; `*` in Case (or They/We) stands for any.
 */
export function readDocumented(file: string): DocumentedDifference[] {
  const rows: DocumentedDifference[] = [];
  const lines = readFileSync(file, "utf8").split("\n");
  let inTable = false;
  lines.forEach((line, index) => {
    const cells = splitRow(line);
    if (!cells) {
      inTable = false;
      return;
    }
    if (cells.map((c) => c.toLowerCase()).join("|") === "case|facet|compared with|they|we|why") {
      inTable = true;
      return;
    }
    if (!inTable || cells.every((c) => /^:?-+:?$/.test(c))) return;
    const [caseCell = "", facet = "", reference = "", theirs = "", ours = "", why = ""] = cells;
    const cases = caseCell.replaceAll("`", "").trim();
    rows.push({
      cases:
        cases === "*"
          ? "*"
          : cases
              .split(",")
              .map((c) => c.trim())
              .filter(Boolean),
      facet: unquote(facet),
      reference: unquote(reference),
      theirs: unquote(theirs),
      ours: unquote(ours),
      why,
      line: index + 1,
    });
  });
  return rows;
}

export function documents(row: DocumentedDifference, difference: Difference): boolean {
  return (
    (row.cases === "*" || row.cases.includes(difference.case)) &&
    glob(row.facet).test(difference.facet) &&
    row.reference === difference.reference &&
    (row.theirs === "*" || row.theirs === difference.theirs) &&
    (row.ours === "*" || row.ours === difference.ours)
  );
}

/** A difference as a table row, ready to paste into the document once its reason is written. */
export const asRow = (d: Difference) =>
  `| \`${d.case}\` | ${d.facet} | ${d.reference} | ${quote(d.theirs)} | ${quote(d.ours)} | WHY |`;

/** A facet cell, where `*` stands for any run of characters (`exec run * saw`). */
const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );

function splitRow(line: string): string[] | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("|") || !trimmed.endsWith("|")) return undefined;
  // A pipe inside a cell is written \|.
  return trimmed
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replaceAll("\\|", "|"));
}

const unquote = (cell: string) => (/^`.*`$/.test(cell) ? cell.slice(1, -1) : cell).replaceAll("``", "`");

const quote = (value: string) => `\`${value.replaceAll("|", "\\|")}\``;
