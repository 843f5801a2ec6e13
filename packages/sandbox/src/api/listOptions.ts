// Query parameters of lists and watches, read as the API server reads them: an integer that does
// not parse is 400 in strconv's words, a resourceVersion that is not one is 422.

import type { ResourceType } from "./resources.ts";
import { badRequest, invalid } from "./status.ts";

function parseInt64(text: string): number {
  if (!/^[+-]?\d+$/.test(text))
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
  const value = Number(text);
  if (Math.abs(value) >= 2 ** 63)
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`);
  return value;
}

/**
 * A watch's `timeoutSeconds`: undefined for none (or 0, which a real server replaces with its own
 * 30 to 60 minutes); a negative one ends the watch at once, as the API server allows and does.
 */
export function watchTimeout(url: URL, r: ResourceType): number | undefined {
  checkResourceVersion(url, r);
  const text = url.searchParams.get("timeoutSeconds");
  // Present but empty is still parsed, and fails, as the parameter codec does.
  if (text === null) return undefined;
  const seconds = parseInt64(text);
  return seconds === 0 ? undefined : seconds;
}

/** Storage reads a watch's resourceVersion as an unsigned integer and says so when it is not. */
function checkResourceVersion(url: URL, r: ResourceType): void {
  const version = url.searchParams.get("resourceVersion");
  if (!version || /^\d+$/.test(version)) return;
  throw invalid({ ...r, group: r.group, kind: r.plural }, "", [
    {
      field: "resourceVersion",
      message: `Invalid value: ${JSON.stringify(version)}: invalid version: strconv.ParseUint: parsing ${JSON.stringify(version)}: invalid syntax`,
    },
  ]);
}
