import { Box } from "ink";
import type { Line } from "../view.ts";
import { Lines } from "./LineView.tsx";

/** Where the tour runs: context, namespace, server, Istio, and GATEWAY_URL with how it was found. */
export function Header({ lines }: { lines: Line[] }) {
  return (
    <Box flexDirection="column">
      <Lines lines={lines} />
    </Box>
  );
}
