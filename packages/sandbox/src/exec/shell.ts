import type { SimResponse } from "../dataplane/http.ts";
import type { ContainerView } from "./container.ts";
import { DIRECTORY } from "./images.ts";
import {
  type ForLoop,
  type Pipeline,
  parseScript,
  type Redirect,
  type Script,
  ShellSyntaxError,
  type SimpleCommand,
  type Word,
} from "./parse.ts";

// The shell a container's /bin/sh (dash) or /bin/bash runs for `kubectl exec ... -- sh -c`,
// and the process model every simulated command shares: arguments, environment, working
// directory, stdin read on demand, stdout and stderr written as produced.

export interface FetchOptions {
  method: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** The container's network as its processes use it: through the pod's sidecar if it has one. */
export interface Network {
  fetch(url: string, options: FetchOptions, signal: AbortSignal): Promise<SimResponse>;
  /** The address a host name resolves to inside the pod (a Service's ClusterIP), if any. */
  resolve(host: string): string | undefined;
}

export interface Process {
  view: ContainerView;
  env: Map<string, string>;
  cwd: string;
  /** Everything on stdin, once it has ended. */
  stdin(): Promise<string>;
  out(text: string): void;
  err(text: string): void;
  signal: AbortSignal;
  network: Network;
  /** Whether stdout is a terminal (kubectl exec -t). */
  tty: boolean;
  /** The terminal's size as the client last reported it. */
  terminal?: { width: number; height: number };
}

export type Command = (args: string[], process: Process) => Promise<number>;

export class ExitRequest {
  constructor(readonly code: number) {}
}

/** Resolves a path against the working directory, folding "." and "..". */
export function resolvePath(cwd: string, path: string): string {
  const parts = (path.startsWith("/") ? path : `${cwd}/${path}`).split("/");
  const out: string[] = [];
  for (const part of parts) {
    if (!part || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

export type FileKind = "file" | "directory" | undefined;

export function fileKind(view: ContainerView, path: string): FileKind {
  if (path === "/") return "directory";
  const content = view.files.get(path);
  if (content === DIRECTORY) return "directory";
  if (content !== undefined) return "file";
  for (const key of view.files.keys()) if (key.startsWith(`${path}/`)) return "directory";
  return undefined;
}

export function listDirectory(view: ContainerView, path: string): string[] {
  const prefix = path === "/" ? "/" : `${path}/`;
  const names = new Set<string>();
  for (const key of view.files.keys()) {
    if (!key.startsWith(prefix) || key === path) continue;
    const name = key.slice(prefix.length).split("/")[0];
    if (name) names.add(name);
  }
  return [...names].sort();
}

/** The executable a name runs: a path as given, else the first match on PATH. */
export function findExecutable(view: ContainerView, name: string, path: string): string | undefined {
  const known = new Map(Object.values(view.profile.binaries).map((p) => [p, p]));
  if (name.includes("/")) return known.has(name) ? name : undefined;
  for (const dir of path.split(":")) {
    const candidate = `${dir.replace(/\/$/, "")}/${name}`;
    if (known.has(candidate)) return candidate;
    // Debian's merged /usr: /bin and /usr/bin hold the same programs.
    const merged = candidate.startsWith("/bin/")
      ? `/usr${candidate}`
      : candidate.replace(/^\/usr\/bin\//, "/bin/");
    if (known.has(merged) && (dir === "/bin" || dir === "/usr/bin")) return known.get(merged);
  }
  return undefined;
}

export const basename = (path: string) => path.slice(path.lastIndexOf("/") + 1);

export interface ShellOptions {
  /** $0 as the shell was started: "sh", "bash", "/bin/sh". */
  name: string;
  dialect: "dash" | "bash";
  commands: Record<string, Command>;
}

/** One running shell: its variables, last status and line number. */
export class Shell {
  readonly #options: ShellOptions;
  readonly #process: Process;
  readonly vars: Map<string, string>;
  status = 0;
  line = 1;
  readonly positional: string[];

  constructor(process: Process, options: ShellOptions, positional: string[] = []) {
    this.#process = process;
    this.#options = options;
    this.vars = new Map(process.env);
    this.positional = positional;
  }

  get cwd(): string {
    return this.#process.cwd;
  }

  /** Runs a script (one line of an interactive session, or a -c string); returns its status. */
  async run(script: string, io: Pick<Process, "out" | "err" | "stdin"> = this.#process): Promise<number> {
    let parsed: ReturnType<typeof parseScript>;
    try {
      parsed = parseScript(script);
    } catch (error) {
      if (!(error instanceof ShellSyntaxError)) throw error;
      io.err(this.#message(error.message));
      this.status = 2;
      return this.status;
    }
    return this.#script(parsed, io);
  }

  async #script(script: Script, io: Pick<Process, "out" | "err" | "stdin">): Promise<number> {
    for (const chain of script) {
      let status = await this.#pipeline(chain.first, io);
      for (const { op, pipeline } of chain.rest) {
        if ((op === "&&" && status !== 0) || (op === "||" && status === 0)) continue;
        status = await this.#pipeline(pipeline, io);
      }
      this.status = status;
    }
    return this.status;
  }

  async #loop(loop: ForLoop, io: Pick<Process, "out" | "err" | "stdin">): Promise<number> {
    const items: string[] = [];
    if (loop.items) for (const word of loop.items) items.push(...(await this.#expand(word)));
    else items.push(...this.positional);
    let status = 0;
    for (const item of items) {
      if (this.#process.signal.aborted) return 130;
      this.vars.set(loop.name, item);
      status = await this.#script(loop.body, io);
    }
    return status;
  }

  /** "sh: 1: message" (dash) or "bash: line 1: message" (bash). */
  #message(text: string): string {
    return this.#options.dialect === "bash"
      ? `${this.#options.name}: line ${this.line}: ${text}\n`
      : `${this.#options.name}: ${this.line}: ${text}\n`;
  }

  async #pipeline(pipeline: Pipeline, io: Pick<Process, "out" | "err" | "stdin">): Promise<number> {
    let stdin = io.stdin;
    let status = 0;
    for (let i = 0; i < pipeline.commands.length; i++) {
      const last = i === pipeline.commands.length - 1;
      let captured = "";
      const out = last ? io.out : (text: string) => (captured += text);
      const command = pipeline.commands[i]!;
      const streams = { out, err: io.err, stdin };
      status =
        command.kind === "for" ? await this.#loop(command, streams) : await this.#command(command, streams);
      if (!last) {
        const input = captured;
        stdin = () => Promise.resolve(input);
      }
    }
    if (pipeline.negated) status = status === 0 ? 1 : 0;
    this.status = status;
    return status;
  }

  async #expand(word: Word): Promise<string[]> {
    // Unquoted expansions are split on whitespace; quoted ones stay one word.
    const fields: string[] = [];
    let current = "";
    let started = false;
    const add = (text: string, split: boolean) => {
      if (!split) {
        current += text;
        started = true;
        return;
      }
      const pieces = text.split(/[ \t\n]+/);
      pieces.forEach((piece, i) => {
        if (i > 0 && (started || current)) {
          fields.push(current);
          current = "";
          started = false;
        }
        if (piece) {
          current += piece;
          started = true;
        }
      });
    };
    for (const part of word) {
      if (part.kind === "text") add(part.text, false);
      else if (part.kind === "var") add(this.#variable(part.name), !part.quoted);
      else {
        let output = "";
        await this.run(part.script, {
          out: (t) => (output += t),
          err: this.#process.err,
          stdin: () => Promise.resolve(""),
        });
        add(output.replace(/\n+$/, ""), !part.quoted);
      }
    }
    if (started || current || word.length === 0 || word.every((p) => p.kind === "text")) fields.push(current);
    return fields;
  }

  #variable(name: string): string {
    if (name === "?") return String(this.status);
    if (name === "$") return "1";
    if (name === "#") return String(this.positional.length);
    if (/^[0-9]$/.test(name))
      return name === "0" ? this.#options.name : (this.positional[Number(name) - 1] ?? "");
    return this.vars.get(name) ?? "";
  }

  async #command(command: SimpleCommand, io: Pick<Process, "out" | "err" | "stdin">): Promise<number> {
    const argv: string[] = [];
    for (const word of command.words) argv.push(...(await this.#expand(word)));
    const assigned: [string, string][] = [];
    for (const { name, value } of command.assignments)
      assigned.push([name, (await this.#expand(value)).join(" ")]);
    if (argv.length === 0) {
      for (const [name, value] of assigned) this.vars.set(name, value);
      return 0;
    }
    const streams = await this.#redirect(command.redirects, io);
    if (typeof streams === "number") return streams;
    const name = argv[0]!;
    const builtin = this.#builtin(name);
    if (builtin) return builtin(argv.slice(1), streams);

    const env = new Map(this.vars);
    for (const [key, value] of assigned) env.set(key, value);
    const path = env.get("PATH") ?? "";
    const executable = findExecutable(this.#process.view, name, path);
    const implementation = executable ? this.#options.commands[basename(executable)] : undefined;
    if (!executable || !implementation) {
      if (name.includes("/") && this.#options.dialect === "bash") {
        streams.err(this.#message(`${name}: No such file or directory`));
      } else {
        streams.err(
          this.#message(
            this.#options.dialect === "bash" ? `${name}: command not found` : `${name}: not found`,
          ),
        );
      }
      return 127;
    }
    const child: Process = {
      ...this.#process,
      env,
      out: streams.out,
      err: streams.err,
      stdin: streams.stdin,
    };
    try {
      return await implementation(argv.slice(1), child);
    } catch (error) {
      if (error instanceof ExitRequest) return error.code;
      throw error;
    }
  }

  async #redirect(
    redirects: Redirect[],
    io: Pick<Process, "out" | "err" | "stdin">,
  ): Promise<Pick<Process, "out" | "err" | "stdin"> | number> {
    const streams = { ...io };
    const { view } = this.#process;
    for (const redirect of redirects) {
      const target = (await this.#expand(redirect.target)).join(" ");
      if (redirect.op === ">&") {
        const from = target === "1" ? streams.out : target === "2" ? streams.err : undefined;
        if (!from) {
          streams.err(this.#message(`${target}: Bad file descriptor`));
          return 2;
        }
        if (redirect.fd === 2) streams.err = from;
        else streams.out = from;
        continue;
      }
      const path = resolvePath(this.cwd, target);
      if (redirect.op === "<") {
        if (path === "/dev/null") streams.stdin = () => Promise.resolve("");
        else {
          const content = view.files.get(path);
          if (content === undefined || content === DIRECTORY) {
            streams.err(this.#message(`cannot open ${target}: No such file`));
            return 2;
          }
          streams.stdin = () => Promise.resolve(content);
        }
        continue;
      }
      let write: (text: string) => void;
      if (path === "/dev/null") write = () => {};
      else if (path === "/dev/stderr") write = io.err;
      else if (path === "/dev/stdout") write = io.out;
      else {
        if (fileKind(view, path) === "directory") {
          streams.err(this.#message(`cannot create ${target}: Is a directory`));
          return 2;
        }
        if (redirect.op === ">") view.files.set(path, "");
        write = (text) => view.files.set(path, (view.files.get(path) ?? "") + text);
      }
      if (redirect.fd === 2) streams.err = write;
      else streams.out = write;
    }
    return streams;
  }

  #builtin(
    name: string,
  ): ((args: string[], io: Pick<Process, "out" | "err" | "stdin">) => Promise<number>) | undefined {
    const process = this.#process;
    switch (name) {
      case "exit":
        return async (args) => {
          throw new ExitRequest(args[0] !== undefined ? Number(args[0]) & 255 : this.status);
        };
      case "cd":
        return async (args, io) => {
          const target = resolvePath(process.cwd, args[0] ?? this.vars.get("HOME") ?? "/");
          if (fileKind(process.view, target) !== "directory") {
            io.err(this.#message(`cd: can't cd to ${args[0]}`));
            return 2;
          }
          process.cwd = target;
          this.vars.set("PWD", target);
          return 0;
        };
      case "export":
        return async (args) => {
          for (const arg of args) {
            const eq = arg.indexOf("=");
            if (eq > 0) this.vars.set(arg.slice(0, eq), arg.slice(eq + 1));
          }
          return 0;
        };
      case "unset":
        return async (args) => {
          for (const arg of args) this.vars.delete(arg);
          return 0;
        };
      case ":":
      case "set":
        return async () => 0;
      case "true":
      case "false":
      case "echo":
      case "pwd": {
        const implementation = this.#options.commands[name];
        if (!implementation) return undefined;
        return (args, io) =>
          implementation(args, { ...process, env: this.vars, out: io.out, err: io.err, stdin: io.stdin });
      }
      default:
        return undefined;
    }
  }
}
