// The string formats the API server checks in custom resources (its strfmt registry). Formats it
// does not know, such as int32, double or binary, describe the value and are not checked.

import { isIP, isIPv4, isIPv6 } from "node:net";

const HOSTNAME =
  /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID_V = (v: number) =>
  new RegExp(`^[0-9a-f]{8}-?[0-9a-f]{4}-?${v}[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$`, "i");
const MAC = /^(?:[0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$|^(?:[0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Go's time.ParseDuration (which the registry's "duration" accepts among other spellings).
const DURATION =
  /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h|d|w)(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h|d|w))*$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const HEX_COLOR = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const RGB_COLOR = /^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/;
const OBJECT_ID = /^[0-9a-fA-F]{24}$/;

function isCidr(value: string): boolean {
  const [address, bits, ...rest] = value.split("/");
  if (rest.length || address === undefined || bits === undefined || !/^\d+$/.test(bits)) return false;
  const family = isIP(address);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

function isUri(value: string): boolean {
  try {
    return Boolean(new URL(value).protocol);
  } catch {
    return false;
  }
}

const checks: Record<string, (value: string) => boolean> = {
  hostname: (v) => v.length <= 255 && HOSTNAME.test(v),
  ipv4: (v) => isIPv4(v),
  ipv6: (v) => isIPv6(v),
  cidr: isCidr,
  mac: (v) => MAC.test(v),
  uuid: (v) => UUID.test(v),
  uuid3: (v) => UUID_V(3).test(v),
  uuid4: (v) => UUID_V(4).test(v),
  uuid5: (v) => UUID_V(5).test(v),
  "date-time": (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v.replace(" ", "T"))),
  datetime: (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v.replace(" ", "T"))),
  date: (v) => DATE.test(v) && !Number.isNaN(Date.parse(v)),
  byte: (v) => BASE64.test(v),
  duration: (v) => DURATION.test(v),
  email: (v) => EMAIL.test(v),
  uri: isUri,
  hexcolor: (v) => HEX_COLOR.test(v),
  rgbcolor: (v) => RGB_COLOR.test(v),
  bsonobjectid: (v) => OBJECT_ID.test(v),
};

/** Whether `value` is a valid `format`; true for formats the API server does not check. */
export function checkFormat(format: string, value: string): boolean {
  const check = checks[format];
  return check ? check(value) : true;
}
