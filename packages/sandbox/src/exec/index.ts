import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import type { ExecConnector, ExecOutcome, ExecRequest } from "../api/remoteCommand.ts";
import type { Container, KubeObject, Pod } from "../kube.ts";
import type { Store } from "../store/store.ts";
import { COMMANDS } from "./commands.ts";
import { type ContainerView, containerView, type ServiceLink } from "./container.ts";
import { basename, ExitRequest, findExecutable, type Network, type Process, Shell } from "./shell.ts";

export type { Network } from "./shell.ts";

export interface ExecRuntimeOptions {
  store: Store;
  /** The network as seen from inside `pod`. */
  network(pod: Pod): Network;
  /** The cluster CA, mounted into every service account volume. */
  caPem?: string;
}

const SHELLS = new Set(["sh", "bash", "dash"]);

function containerOf(pod: Pod, name: string): Container | undefined {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
}

function servicesOf(store: Store, namespace: string): ServiceLink[] {
  const toLink = (svc: KubeObject): ServiceLink => {
    const spec = (svc.spec ?? {}) as { clusterIP?: string; ports?: ServiceLink["ports"] };
    return {
      name: svc.metadata.name ?? "",
      namespace: svc.metadata.namespace ?? "",
      clusterIP: spec.clusterIP,
      ports: spec.ports ?? [],
      creationTimestamp: svc.metadata.creationTimestamp,
    };
  };
  const links = [...store.peek("services", namespace)].map(toLink);
  if (namespace !== "default") {
    const kubernetes = store.get("services", "default", "kubernetes");
    if (kubernetes) links.push(toLink(kubernetes));
  }
  return links;
}

async function readAll(stream: Readable | undefined): Promise<string> {
  if (!stream) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** What containerd answers when the executable is not in the image. */
function notFound(name: string): string {
  const reason = name.includes("/")
    ? `exec: "${name}": stat ${name}: no such file or directory`
    : `exec: "${name}": executable file not found in $PATH`;
  return `failed to exec in container: failed to start exec "${randomBytes(32).toString("hex")}": OCI runtime exec failed: exec failed: unable to start container process: ${reason}: unknown`;
}

/** The container runtime behind `kubectl exec`: runs the simulated programs of a container. */
export function execRuntime(options: ExecRuntimeOptions): ExecConnector {
  return {
    async exec(request: ExecRequest): Promise<ExecOutcome> {
      const pod = options.store.get("pods", request.namespace, request.pod) as Pod | undefined;
      const container = pod && containerOf(pod, request.container);
      if (!pod || !container)
        return { failure: `container "${request.container}" is not running in pod ${request.pod}` };
      const view = containerView({
        pod,
        container,
        tty: request.tty,
        services: servicesOf(options.store, request.namespace),
        lookup: (kind, namespace, name) => options.store.get(kind, namespace, name),
        caPem: options.caPem,
      });
      const [name, ...args] = request.command;
      if (!name) return { failure: notFound("") };
      const env = new Map(view.env);
      const executable = findExecutable(view, name, env.get("PATH") ?? "");
      const program = executable ? COMMANDS[basename(executable)] : undefined;
      if (!executable || !program) return { failure: notFound(name) };

      // A terminal turns "\n" into "\r\n" and carries both outputs.
      const write = (stream: ExecRequest["stdout"], text: string) => {
        if (stream && !stream.destroyed && !stream.writableEnded)
          stream.write(request.tty ? text.replace(/\r?\n/g, "\r\n") : text);
      };
      let stdinRead: Promise<string> | undefined;
      const process: Process = {
        view,
        env,
        cwd: view.cwd,
        stdin: () => (stdinRead ??= readAll(request.stdin)),
        out: (text) => write(request.stdout, text),
        err: (text) => write(request.tty ? request.stdout : request.stderr, text),
        signal: request.signal,
        network: options.network(pod),
        tty: request.tty,
        // One object, shared by every copy of the process the shell makes, updated in place.
        terminal: { width: 80, height: 24 },
      };
      request.terminal.on("resize", (size) => Object.assign(process.terminal!, size));

      const interactive =
        SHELLS.has(basename(executable)) && !args.some((a) => a === "-c" || !a.startsWith("-"));
      try {
        if (interactive && request.stdin)
          return { exitCode: await session(process, view, basename(executable), request) };
        return { exitCode: await program(args, process) };
      } catch (error) {
        if (error instanceof ExitRequest) return { exitCode: error.code };
        throw error;
      }
    },
  };
}

/** The prompt an interactive shell prints: dash's "$ ", Debian bash's user@host:dir$ . */
function prompt(view: ContainerView, dialect: "dash" | "bash", cwd: string): string {
  const mark = view.profile.user.uid === 0 ? "#" : "$";
  if (dialect === "dash") return `${mark} `;
  const home = view.profile.user.home;
  const where = cwd === home ? "~" : cwd.startsWith(`${home}/`) ? `~${cwd.slice(home.length)}` : cwd;
  return `${view.profile.user.name}@${view.hostname}:${where}${mark} `;
}

/**
 * A shell reading commands from stdin: with a terminal, a line editor that echoes what is
 * typed and prompts; without one, each line runs as it arrives. Ends at `exit` or the end of
 * stdin (Ctrl-D on an empty line).
 */
async function session(
  process: Process,
  view: ContainerView,
  name: string,
  request: ExecRequest,
): Promise<number> {
  const dialect = name === "bash" ? "bash" : "dash";
  const shell = new Shell(
    { ...process, stdin: () => Promise.resolve("") },
    { name, dialect, commands: COMMANDS },
  );
  const tty = request.tty;
  const echo = (text: string) => {
    if (request.stdout && !request.stdout.writableEnded) request.stdout.write(text);
  };
  const showPrompt = () => tty && echo(prompt(view, dialect, shell.cwd));
  const runLine = async (line: string): Promise<number | undefined> => {
    try {
      await shell.run(line);
      shell.line++;
      return undefined;
    } catch (error) {
      if (error instanceof ExitRequest) return error.code;
      throw error;
    }
  };

  showPrompt();
  let line = "";
  let inEscape = false;
  for await (const chunk of request.stdin!) {
    const text = Buffer.from(chunk as Buffer).toString("utf8");
    for (const c of text) {
      if (!tty) {
        if (c !== "\n") {
          line += c;
          continue;
        }
        const exit = await runLine(line);
        line = "";
        if (exit !== undefined) return exit;
        continue;
      }
      if (inEscape) {
        // The rest of an escape sequence (arrow keys and the like): a letter or ~ ends it.
        if (/[A-Za-z~]/.test(c)) inEscape = false;
        continue;
      }
      if (c === "\x1b") inEscape = true;
      else if (c === "\r" || c === "\n") {
        echo("\r\n");
        const exit = await runLine(line);
        line = "";
        if (exit !== undefined) {
          if (dialect === "bash") echo("exit\r\n");
          return exit;
        }
        showPrompt();
      } else if (c === "\x7f" || c === "\b") {
        if (line) {
          line = line.slice(0, -1);
          echo("\b \b");
        }
      } else if (c === "\x03") {
        line = "";
        echo("^C\r\n");
        showPrompt();
      } else if (c === "\x04") {
        if (!line) {
          if (dialect === "bash") echo("exit\r\n");
          else echo("\r\n");
          return shell.status;
        }
      } else if (c >= " ") {
        line += c;
        echo(c);
      }
    }
  }
  if (!tty && line) {
    const exit = await runLine(line);
    if (exit !== undefined) return exit;
  }
  return shell.status;
}
