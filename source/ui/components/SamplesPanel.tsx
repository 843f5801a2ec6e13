import { Box } from "ink";
import type { Line } from "../view.ts";
import { Lines } from "./LineView.tsx";

/** What GATEWAY_URL/productpage answers: codes, the reviews versions against the routing, latency. */
export function SamplesPanel({ lines, width }: { lines: Line[]; width: number }) {
  return (
    <Box flexDirection="column" width={width}>
      <Lines lines={lines} />
    </Box>
  );
}
