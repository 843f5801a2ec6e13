// Field selectors (fields.ParseSelector): `field=value`, `==` and `!=`, comma-separated, with
// backslash escapes. Each kind accepts only the fields its field label conversion function knows.

import { SelectorError } from "./labelSyntax.ts";

export interface FieldRequirement {
  readonly field: string;
  readonly operator: "=" | "!=";
  readonly value: string;
}
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

type Extract = (object: Record<string, unknown>) => string;

function at(path: string): Extract {
  const parts = path.split(".");
  return (object) => {
    let current: unknown = object;
    for (const part of parts) {
      current =
        typeof current === "object" && current !== null
          ? (current as Record<string, unknown>)[part]
          : undefined;
    }
    return current === undefined || current === null ? "" : String(current);
  };
}

const bool = (path: string): Extract => {
  const get = at(path);
  return (object) => (get(object) === "true" ? "true" : "false");
};

const NAMESPACED_META = {
  "metadata.name": at("metadata.name"),
  "metadata.namespace": at("metadata.namespace"),
};

interface FieldTable {
  readonly fields: Readonly<Record<string, Extract>>;
  /** Kinds that register their own conversion say so; the rest use the generic message. */
  readonly ownMessage: boolean;
}

// The selectable fields of each kind and its field label conversion (pkg/apis/core/v1/conversion.go).
const FIELD_TABLES: Readonly<Record<string, FieldTable>> = {
  Pod: {
    ownMessage: true,
    fields: {
      ...NAMESPACED_META,
      "spec.nodeName": at("spec.nodeName"),
      "spec.host": at("spec.nodeName"),
      "spec.restartPolicy": at("spec.restartPolicy"),
      "spec.schedulerName": at("spec.schedulerName"),
      "spec.serviceAccountName": at("spec.serviceAccountName"),
      "spec.hostNetwork": bool("spec.hostNetwork"),
      "status.phase": at("status.phase"),
      "status.podIP": at("status.podIP"),
      "status.nominatedNodeName": at("status.nominatedNodeName"),
    },
  },
  Event: {
    ownMessage: true,
    fields: {
      ...NAMESPACED_META,
      ...Object.fromEntries(
        ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"].map((f) => [
          `involvedObject.${f}`,
          at(`involvedObject.${f}`),
        ]),
      ),
      reason: at("reason"),
      reportingComponent: at("reportingComponent"),
      source: at("source.component"),
      type: at("type"),
    },
  },
  Namespace: {
    ownMessage: true,
    fields: { "metadata.name": at("metadata.name"), "status.phase": at("status.phase") },
  },
  Node: {
    ownMessage: true,
    fields: { "metadata.name": at("metadata.name"), "spec.unschedulable": bool("spec.unschedulable") },
  },
  Secret: { ownMessage: true, fields: { ...NAMESPACED_META, type: at("type") } },
  Service: {
    ownMessage: true,
    fields: { ...NAMESPACED_META, "spec.clusterIP": at("spec.clusterIP"), "spec.type": at("spec.type") },
  },
};
const DEFAULT_TABLE: FieldTable = { ownMessage: false, fields: NAMESPACED_META };

function unescapeFieldValue(raw: string): string {
  if (!/[\\,=]/.test(raw)) return raw;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === "\\") {
      const next = raw[i + 1];
      if (next === undefined) throw new SelectorError("invalid field selector: invalid escape sequence: \\");
      if (next !== "\\" && next !== "," && next !== "=") {
        throw new SelectorError(`invalid field selector: invalid escape sequence: \\${next}`);
      }
      out += next;
      i++;
    } else if (c === "," || c === "=") {
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c}`);
    } else out += c;
  }
  return out;
}

function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === ",") {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/**
 * Parses a `fieldSelector` query value for objects of `kind`. Unknown fields get the message of that
 * kind's field label conversion, e.g. `field label not supported: spec.foo` for pods.
 */
export function parseFieldSelector(text: string, kind?: string): FieldSelector {
  const table = (kind !== undefined ? FIELD_TABLES[kind] : undefined) ?? DEFAULT_TABLE;
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text).sort()) {
    if (term === "") continue;
    // The first operator found from the left wins, trying "!=" then "==" then "=" at each position.
    const match = /!=|==|=/.exec(term);
    if (match === null) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = term.slice(0, match.index);
    const value = unescapeFieldValue(term.slice(match.index + match[0].length));
    if (!Object.hasOwn(table.fields, field)) {
      throw new SelectorError(
        table.ownMessage
          ? `field label not supported: ${field}`
          : `${JSON.stringify(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    requirements.push({
      field: field === "spec.host" ? "spec.nodeName" : field,
      operator: match[0] === "!=" ? "!=" : "=",
      value,
    });
  }
  return { requirements };
}

export function matchesFields(selector: FieldSelector, object: object): boolean {
  const record = object as Record<string, unknown>;
  return selector.requirements.every((r) => {
    const actual = (FIELD_GETTERS[r.field] ?? at(r.field))(record);
    return r.operator === "=" ? actual === r.value : actual !== r.value;
  });
}

// Fields whose selectable value is not simply the value at that path.
const FIELD_GETTERS: Readonly<Record<string, Extract>> = {
  "spec.hostNetwork": bool("spec.hostNetwork"),
  "spec.unschedulable": bool("spec.unschedulable"),
  source: at("source.component"),
};
