import { curl } from "./curl.ts";
import { DIRECTORY } from "./images.ts";
import {
  type Command,
  ExitRequest,
  fileKind,
  findExecutable,
  listDirectory,
  type Process,
  resolvePath,
  Shell,
} from "./shell.ts";

// The programs of the simulated containers, with the options and messages of Debian's
// coreutils, grep and dash that the docs and a workshop's poking around use.

const lines = (text: string): string[] => {
  const list = text.split("\n");
  if (list.at(-1) === "") list.pop();
  return list;
};

/** Reads each named file (or stdin for none or "-"), reporting missing ones as `tool` does. */
async function inputs(
  tool: string,
  files: string[],
  process: Process,
  each: (content: string, name: string) => void,
): Promise<number> {
  if (files.length === 0) files = ["-"];
  let status = 0;
  for (const file of files) {
    if (file === "-") {
      each(await process.stdin(), "(standard input)");
      continue;
    }
    const path = resolvePath(process.cwd, file);
    const kind = fileKind(process.view, path);
    if (kind === "directory") {
      process.err(`${tool}: ${file}: Is a directory\n`);
      status = tool === "grep" ? status : 1;
      continue;
    }
    const content = path === "/dev/null" ? "" : process.view.files.get(path);
    if (content === undefined) {
      process.err(`${tool}: ${file}: No such file or directory\n`);
      status = tool === "grep" ? 2 : 1;
      continue;
    }
    each(content, file);
  }
  return status;
}

const cat: Command = async (args, process) => {
  const files = args.filter((a) => a === "-" || !a.startsWith("-"));
  return inputs("cat", files, process, (content) => process.out(content));
};

function printEnv(process: Process): void {
  for (const [name, value] of process.env) process.out(`${name}=${value}\n`);
}

const env: Command = async (args, process) => {
  const environment = new Map(process.env);
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-i" || arg === "--ignore-environment") environment.clear();
    else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(arg)) {
      const eq = arg.indexOf("=");
      environment.set(arg.slice(0, eq), arg.slice(eq + 1));
    } else break;
  }
  if (i >= args.length) {
    printEnv({ ...process, env: environment });
    return 0;
  }
  const name = args[i]!;
  const executable = findExecutable(process.view, name, environment.get("PATH") ?? "");
  const implementation = executable ? COMMANDS[executable.slice(executable.lastIndexOf("/") + 1)] : undefined;
  if (!implementation) {
    process.err(`env: '${name}': No such file or directory\n`);
    return 127;
  }
  return implementation(args.slice(i + 1), { ...process, env: environment });
};

const printenv: Command = async (args, process) => {
  if (args.length === 0) {
    printEnv(process);
    return 0;
  }
  let status = 0;
  for (const name of args) {
    const value = process.env.get(name);
    if (value === undefined) status = 1;
    else process.out(`${value}\n`);
  }
  return status;
};

const hostname: Command = async (args, process) => {
  if (args.includes("-i") || args.includes("-I")) {
    process.out(`${process.view.pod.status?.podIP ?? ""}${args.includes("-I") ? " " : ""}\n`);
    return 0;
  }
  process.out(`${process.view.hostname}\n`);
  return 0;
};

function longListing(process: Process, path: string, name: string): string {
  const kind = fileKind(process.view, path);
  const content = process.view.files.get(path);
  const size = kind === "directory" ? 4096 : Buffer.byteLength(content ?? "");
  const mode = kind === "directory" ? "drwxr-xr-x" : path.includes("/bin/") ? "-rwxr-xr-x" : "-rw-r--r--";
  const owner = path.startsWith(process.view.profile.user.home) ? process.view.profile.user.name : "root";
  return `${mode} ${kind === "directory" ? 2 : 1} ${owner} ${owner} ${String(size).padStart(5)} Jan  1 00:00 ${name}`;
}

const ls: Command = async (args, process) => {
  const flags = args.filter((a) => a.startsWith("-") && a !== "-").join("");
  const long = flags.includes("l");
  const all = flags.includes("a") || flags.includes("A");
  const onePerLine = flags.includes("1") || long || !process.tty;
  const targets = args.filter((a) => !a.startsWith("-") || a === "-");
  if (targets.length === 0) targets.push(".");
  let status = 0;
  const sections: string[] = [];
  for (const target of targets) {
    const path = resolvePath(process.cwd, target);
    const kind = fileKind(process.view, path);
    if (!kind) {
      process.err(`ls: cannot access '${target}': No such file or directory\n`);
      status = 2;
      continue;
    }
    let names = kind === "directory" ? listDirectory(process.view, path) : [target];
    if (all && kind === "directory") names = [".", "..", ...names];
    if (!all) names = names.filter((n) => !n.startsWith(".") || kind !== "directory");
    const entries = long
      ? names.map((n) => longListing(process, kind === "directory" ? resolvePath(path, n) : path, n))
      : names;
    let text = onePerLine ? entries.join("\n") : entries.join("  ");
    if (long && kind === "directory") text = `total ${names.length * 4}\n${text}`;
    if (targets.length > 1 && kind === "directory") text = `${target}:\n${text}`;
    sections.push(text);
  }
  if (sections.length)
    process.out(`${sections.filter((s) => s !== "").join("\n\n")}${sections.some((s) => s) ? "\n" : ""}`);
  return status;
};

/** dash's echo: -n, and backslash escapes always interpreted. */
const echo: Command = async (args, process) => {
  let newline = true;
  if (args[0] === "-n") {
    newline = false;
    args = args.slice(1);
  }
  let text = args.join(" ");
  let stop = false;
  text = text.replace(/\\(c|n|t|\\|0[0-7]{0,3})/g, (_m, sequence: string) => {
    if (sequence === "c") {
      stop = true;
      return "\0stop";
    }
    if (sequence === "n") return "\n";
    if (sequence === "t") return "\t";
    if (sequence === "\\") return "\\";
    return String.fromCharCode(Number.parseInt(sequence.slice(1) || "0", 8));
  });
  if (stop) {
    process.out(text.slice(0, text.indexOf("\0stop")));
    return 0;
  }
  process.out(newline ? `${text}\n` : text);
  return 0;
};

/** A basic regular expression (grep's default) as a JavaScript one. */
function fromBasic(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\" && i + 1 < pattern.length) {
      const next = pattern[++i]!;
      out += "(){}|+?".includes(next) ? next : `\\${next}`;
    } else if ("(){}|+?".includes(c)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const grep: Command = async (args, process) => {
  const patterns: string[] = [];
  const files: string[] = [];
  const options = {
    o: false,
    i: false,
    v: false,
    c: false,
    q: false,
    n: false,
    E: false,
    F: false,
    l: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-e") patterns.push(args[++i] ?? "");
    else if (arg === "--") {
      files.push(...args.slice(i + 1));
      break;
    } else if (/^-[a-zA-Z]+$/.test(arg)) {
      for (const flag of arg.slice(1)) {
        if (flag in options) options[flag as keyof typeof options] = true;
        else if (flag === "s" || flag === "h" || flag === "H") continue;
        else {
          process.err(
            `grep: invalid option -- '${flag}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n`,
          );
          return 2;
        }
      }
    } else if (patterns.length === 0 && !args.slice(0, i).includes("-e")) patterns.push(arg);
    else files.push(arg);
  }
  if (patterns.length === 0) {
    process.err("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n");
    return 2;
  }
  let regex: RegExp;
  try {
    const source = patterns
      .map((p) => (options.F ? escapeRegExp(p) : options.E ? p : fromBasic(p)))
      .join("|");
    regex = new RegExp(source, options.i ? "gi" : "g");
  } catch {
    process.err("grep: Unmatched ( or \\(\n");
    return 2;
  }
  let matched = 0;
  const many = files.length > 1;
  const status = await inputs("grep", files, process, (content, name) => {
    let count = 0;
    lines(content).forEach((line, index) => {
      regex.lastIndex = 0;
      const hit = regex.test(line);
      if (hit === options.v) return;
      count++;
      matched++;
      if (options.q || options.c || options.l) return;
      const prefix = `${many ? `${name}:` : ""}${options.n ? `${index + 1}:` : ""}`;
      if (options.o && !options.v) {
        regex.lastIndex = 0;
        for (const match of line.matchAll(regex)) if (match[0]) process.out(`${prefix}${match[0]}\n`);
      } else process.out(`${prefix}${line}\n`);
    });
    if (options.c) process.out(`${many ? `${name}:` : ""}${count}\n`);
    if (options.l && count) process.out(`${name}\n`);
  });
  if (status === 2 && !options.q) return 2;
  return matched > 0 ? 0 : 1;
};

function countOption(
  args: string[],
  fallback: number,
): { count: number; files: string[]; fromStart: boolean } {
  let count = fallback;
  let fromStart = false;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value =
      arg === "-n"
        ? args[++i]
        : arg.startsWith("-n")
          ? arg.slice(2)
          : /^-\d+$/.test(arg)
            ? arg.slice(1)
            : undefined;
    if (value !== undefined) {
      fromStart = value.startsWith("+");
      count = Math.abs(Number.parseInt(value, 10)) || 0;
    } else if (arg === "-c" || arg === "-q" || arg === "-v") continue;
    else files.push(arg);
  }
  return { count, files, fromStart };
}

const head: Command = async (args, process) => {
  const { count, files } = countOption(args, 10);
  return inputs("head", files, process, (content) => {
    const selected = lines(content).slice(0, count);
    if (selected.length) process.out(`${selected.join("\n")}\n`);
  });
};

const tail: Command = async (args, process) => {
  const { count, files, fromStart } = countOption(args, 10);
  return inputs("tail", files, process, (content) => {
    const all = lines(content);
    const selected = fromStart ? all.slice(Math.max(0, count - 1)) : count === 0 ? [] : all.slice(-count);
    if (selected.length) process.out(`${selected.join("\n")}\n`);
  });
};

const wc: Command = async (args, process) => {
  const flags = args.filter((a) => a.startsWith("-")).join("");
  const files = args.filter((a) => !a.startsWith("-"));
  const show = {
    l: flags.includes("l"),
    w: flags.includes("w"),
    c: flags.includes("c") || flags.includes("m"),
  };
  const all = !show.l && !show.w && !show.c;
  return inputs("wc", files, process, (content, name) => {
    const counts: number[] = [];
    if (all || show.l) counts.push((content.match(/\n/g) ?? []).length);
    if (all || show.w) counts.push(content.split(/\s+/).filter(Boolean).length);
    if (all || show.c) counts.push(Buffer.byteLength(content));
    const width = counts.length > 1 || files.length > 0 ? 7 : 1;
    const cells = counts.map((n) => String(n).padStart(width)).join(" ");
    process.out(`${cells}${files.length ? ` ${name}` : ""}\n`);
  });
};

const sleep: Command = async (args, process) => {
  const seconds = Number.parseFloat(args[0] ?? "");
  if (!(seconds >= 0)) {
    process.err(
      args[0] === undefined ? "sleep: missing operand\n" : `sleep: invalid time interval '${args[0]}'\n`,
    );
    return 1;
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.min(seconds, 3600) * 1000);
    process.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return process.signal.aborted ? 130 : 0;
};

const id: Command = async (_args, process) => {
  const { name, uid, gid } = process.view.profile.user;
  const group = gid === 0 ? "root" : name;
  process.out(`uid=${uid}(${name}) gid=${gid}(${group}) groups=${gid}(${group})\n`);
  return 0;
};

const whoami: Command = async (_args, process) => {
  process.out(`${process.view.profile.user.name}\n`);
  return 0;
};

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const date: Command = async (args, process) => {
  const now = new Date();
  if (args.includes("-u") || args.length === 0) {
    const pad = (n: number) => String(n).padStart(2, "0");
    process.out(
      `${DAYS[now.getUTCDay()]} ${MONTHS[now.getUTCMonth()]} ${String(now.getUTCDate()).padStart(2)} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())} UTC ${now.getUTCFullYear()}\n`,
    );
    return 0;
  }
  if (args[0] === "+%s") process.out(`${Math.floor(now.getTime() / 1000)}\n`);
  else process.out(`${now.toISOString()}\n`);
  return 0;
};

const uname: Command = async (args, process) => {
  const all = args.includes("-a");
  process.out(
    all
      ? `Linux ${process.view.hostname} 6.8.0-1017-gcp #19-Ubuntu SMP Tue Oct 29 2024 x86_64 GNU/Linux\n`
      : args.includes("-r")
        ? "6.8.0-1017-gcp\n"
        : args.includes("-m")
          ? "x86_64\n"
          : "Linux\n",
  );
  return 0;
};

const which: Command = async (args, process) => {
  let status = 0;
  for (const name of args.filter((a) => !a.startsWith("-"))) {
    const found = findExecutable(process.view, name, process.env.get("PATH") ?? "");
    if (found) process.out(`${found}\n`);
    else status = 1;
  }
  return status;
};

/** seq [FIRST [INCREMENT]] LAST, one number a line. */
const seq: Command = async (args, process) => {
  const numbers = args.map(Number);
  if (numbers.length === 0 || numbers.length > 3 || numbers.some((n) => !Number.isFinite(n))) {
    process.err(
      args.length
        ? `seq: invalid floating point argument: '${args.find((a) => !Number.isFinite(Number(a)))}'\n`
        : "seq: missing operand\n",
    );
    return 1;
  }
  const [first, step, last] =
    numbers.length === 1
      ? [1, 1, numbers[0]!]
      : numbers.length === 2
        ? [numbers[0]!, 1, numbers[1]!]
        : (numbers as [number, number, number]);
  if (step === 0) {
    process.err("seq: invalid Zero increment value: '0'\n");
    return 1;
  }
  const lines: string[] = [];
  for (let n = first; step > 0 ? n <= last : n >= last; n += step) {
    lines.push(String(n));
    if (lines.length >= 100_000) break;
  }
  if (lines.length) process.out(`${lines.join("\n")}\n`);
  return 0;
};

/** stty size: the terminal's rows and columns, which kubectl keeps up to date. */
const stty: Command = async (args, process) => {
  if (!process.tty) {
    process.err("stty: 'standard input': Inappropriate ioctl for device\n");
    return 1;
  }
  const { width, height } = process.terminal ?? { width: 80, height: 24 };
  if (args[0] === "size") process.out(`${height} ${width}\n`);
  else process.out(`speed 38400 baud; rows ${height}; columns ${width}; line = 0;\n`);
  return 0;
};

const pwd: Command = async (_args, process) => {
  process.out(`${process.cwd}\n`);
  return 0;
};

function shell(dialect: "dash" | "bash", defaultName: string): Command {
  return async (args, process) => {
    const name = defaultName;
    const c = args.indexOf("-c");
    let script: string;
    let positional: string[] = [];
    let shellName = name;
    if (c !== -1) {
      if (args[c + 1] === undefined) {
        process.err(
          `${name}: -c: ${dialect === "bash" ? "option requires an argument" : "option requires an argument"}\n`,
        );
        return 2;
      }
      script = args[c + 1]!;
      if (args[c + 2] !== undefined) {
        shellName = args[c + 2]!;
        positional = args.slice(c + 3);
      }
    } else if (args[0] && !args[0].startsWith("-")) {
      const path = resolvePath(process.cwd, args[0]);
      const content = process.view.files.get(path);
      if (content === undefined || content === DIRECTORY) {
        process.err(`${name}: 0: cannot open ${args[0]}: No such file\n`);
        return 2;
      }
      script = content;
      positional = args.slice(1);
    } else script = await process.stdin();
    const sh = new Shell(process, { name: shellName, dialect, commands: COMMANDS }, positional);
    try {
      return await sh.run(script);
    } catch (error) {
      if (error instanceof ExitRequest) return error.code;
      throw error;
    }
  };
}

function versionOnly(output: string): Command {
  return async (args, process) => {
    if (args.some((a) => a === "--version" || a === "-v" || a === "-V" || a === "version")) {
      process.out(output);
      return 0;
    }
    process.err("this program cannot be run from kubectl exec in the sandbox; only --version answers\n");
    return 1;
  };
}

export const COMMANDS: Record<string, Command> = {
  sh: shell("dash", "sh"),
  dash: shell("dash", "sh"),
  bash: shell("bash", "bash"),
  cat,
  env,
  printenv,
  hostname,
  ls,
  echo,
  grep,
  head,
  tail,
  wc,
  sleep,
  true: async () => 0,
  false: async () => 1,
  pwd,
  id,
  whoami,
  date,
  uname,
  which,
  stty,
  seq,
  curl,
  python: versionOnly("Python 3.12.7\n"),
  python3: versionOnly("Python 3.12.7\n"),
  node: versionOnly("v22.11.0\n"),
  ruby: versionOnly("ruby 3.3.5 (2024-09-03 revision ef084cc8f4) [x86_64-linux]\n"),
  java: versionOnly('openjdk version "17.0.13" 2024-10-15\n'),
  "pilot-agent": versionOnly('version.BuildInfo{Version:"1.28.1"}\n'),
  envoy: versionOnly("envoy  version: 1.36.2/Clean/RELEASE/BoringSSL\n"),
};
