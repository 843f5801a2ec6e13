import { Box } from "ink";
import type { Line } from "../view.ts";
import { LineView } from "./LineView.tsx";

/** The latest message (or what to do next) above the keys. */
export function Footer({ message, keys }: { message: Line; keys: Line }) {
  return (
    <Box flexDirection="column">
      <LineView line={message} />
      <LineView line={keys} />
    </Box>
  );
}
