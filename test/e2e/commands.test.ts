import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { bookinfo } from "../cli/support.ts";
import { Tmux } from "./tmux.ts";

// The "run it yourself" commands, copied the ways a person copies them: off the screen (each one
// line, never wrapped, and a mark where some are hidden), with c (OSC 52, which tmux keeps as a
// paste buffer), and from the commands view; pasted into a shell, they do what the stage does.

const root = fileURLToPath(new URL("../..", import.meta.url));
const launcher = join(root, "bin/kubectl-bookinfo");

let env: TestSandbox;
before(async () => {
  env = await openSandbox({ speed: 50 });
  const ran = await bookinfo(env.kubeconfig, "run", "--to", "deploy");
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
});
after(async () => env.close());

/** The detail's lines: from the selected stage's heading to the message line. */
function detail(screen: string): string[] {
  const lines = screen.split("\n").filter((l) => l.trim() !== "");
  const start = lines.findIndex((l) => /^○ 3 Expose Bookinfo/.test(l));
  assert.ok(start >= 0, screen);
  return lines.slice(start, -2);
}

describe("copying the gateway stage's commands at 80x24", () => {
  const tmux = new Tmux(80, 24);
  after(() => tmux.kill());

  test("one line each, hidden ones marked, c copies them all, pasted they work", async () => {
    await tmux.start();
    await tmux.set("set-clipboard", "on");
    await tmux.type(`cd ${root} && export KUBECONFIG=${env.kubeconfig}`);
    await tmux.type(`env -u CI -u NO_COLOR ${process.execPath} ${launcher}; echo EXIT:$?`);
    const screen = await tmux.waitFor(/○ 3 Expose Bookinfo through the ingress gateway {2}· pending/);

    // On screen: no command is wrapped onto a second line, a cut one ends in an ellipsis, and the
    // ones that do not fit are counted where they would be.
    const lines = detail(screen);
    const commands = lines.filter((l) => /^(kubectl|export) /.test(l));
    assert.ok(commands.length >= 1, screen);
    assert.ok(
      lines.every((l) => !/^\s+\S/.test(l) || /^ {2}\S/.test(l)),
      `no continuation lines:\n${screen}`,
    );
    assert.ok(commands.includes("kubectl -n default apply -f manifests/bookinfo-gateway.yaml"), screen);
    assert.ok(
      existsSync(join(root, "manifests/bookinfo-gateway.yaml")),
      "the file the command names is there",
    );
    for (const line of commands) assert.ok(line.length <= 80);
    assert.ok(
      lines.some((l) => /^… \d+ more commands?: y shows them all, c copies them$/.test(l)),
      `what does not fit is marked:\n${screen}`,
    );

    // c: the terminal gets them through OSC 52; tmux (set-clipboard on) makes a paste buffer.
    await tmux.press("c");
    await tmux.waitFor(/Copied 4 commands \(OSC 52/);
    const copied = await tmux.buffer();
    assert.deepEqual(copied.trimEnd().split("\n"), [
      "kubectl -n default apply -f manifests/bookinfo-gateway.yaml",
      "export INGRESS_HOST=$(kubectl -n istio-system get pod -l istio=ingressgateway -o jsonpath='{.items[0].status.hostIP}')",
      `export INGRESS_PORT=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="http2")].nodePort}')`,
      "export GATEWAY_URL=$INGRESS_HOST:$INGRESS_PORT",
    ]);

    // y: all of them, one line each; right moves the view to the ends of the long ones.
    await tmux.press("y");
    const full = await tmux.waitFor(/gateway: commands and YAML {2}lines 1-/);
    assert.match(full, /^export INGRESS_HOST=/m);
    // At 80x24 the last command is a page further down.
    await tmux.press("PageDown");
    await tmux.waitFor(/^export GATEWAY_URL=\$INGRESS_HOST:\$INGRESS_PORT$/m);
    await tmux.press("PageUp");
    await tmux.waitFor(/gateway: commands and YAML {2}lines 1-/);
    await tmux.press("Right");
    const moved = await tmux.waitFor(/^….*status\.hostIP}'\)$/m);
    assert.match(moved, /^…/m);

    // Pasted into a shell, they expose the product page at GATEWAY_URL.
    await tmux.press("q");
    await tmux.waitFor(/^EXIT:0$/m);
    await tmux.type("clear");
    await tmux.paste();
    await tmux.type(`curl -s -o /dev/null -w "CODE:%{http_code}\\n" "http://$GATEWAY_URL/productpage"`);
    await tmux.waitFor(/^CODE:200$/m, { timeoutMs: 20_000 });
  });
});
