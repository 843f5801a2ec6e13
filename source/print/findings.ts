// The mesh analysis's findings for views without a screen: istioctl analyze's lines (with what
// would fix each, as commands), one line each under a failed stage, and the JSON shape `status`
// and `analyze` share.

import { documentationUrl, type Finding, findingLine, type ObjectRef, origin } from "../analysis/finding.ts";
import { fixAsCommands } from "../model/fix.ts";

export interface FindingJson {
  code: string;
  name: string;
  level: Finding["level"];
  /** istioctl's origin: "Gateway ctrlc/bookinfo-gateway". */
  origin: string;
  message: string;
  /** Every object involved, the reported one first. */
  objects: ObjectRef[];
  summary: string;
  fix?: string;
  /** Istio's page for the code (ours are in the README). */
  documentation_url?: string;
}

/** The fields istioctl analyze -o json prints (code, level, message, origin, documentation_url), and ours. */
export function findingJson(finding: Finding): FindingJson {
  const url = documentationUrl(finding.code);
  return {
    code: finding.code,
    name: finding.name,
    level: finding.level,
    origin: origin(finding.object),
    message: finding.message,
    objects: [finding.object, ...finding.related],
    summary: finding.summary,
    ...(finding.fix && finding.fix.steps.length + (finding.fix.lead ? 1 : 0) > 0
      ? { fix: fixAsCommands(finding.fix) }
      : {}),
    ...(url ? { documentation_url: url } : {}),
  };
}

/** istioctl's line for each finding, and under it, indented, what would fix it. */
export function findingsText(findings: readonly Finding[], indent = ""): string[] {
  return findings.flatMap((f) => {
    const fix = f.fix ? fixAsCommands(f.fix) : "";
    return [`${indent}${findingLine(f)}`, ...(fix ? [`${indent}    fix: ${fix}`] : [])];
  });
}

/** One line for a narrow place: "IST0145: Gateway ctrlc/… conflicts with …; fix: …". */
export function findingBrief(finding: Finding): string {
  const fix = finding.fix ? fixAsCommands(finding.fix) : "";
  return `${finding.code}: ${finding.summary}${fix ? `; ${fix}` : ""}`;
}
