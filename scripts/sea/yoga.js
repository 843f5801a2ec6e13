// yoga-layout for the single-file executable. Node 24 runs one CommonJS script there, and
// yoga-layout's entry initialises its WebAssembly with a top-level await, which CommonJS has
// not. This stands in for it: the same module, loaded through its own `yoga-layout/load`,
// and `yogaReady` settles once it can be used. Ink reads it only while rendering, later.
import { loadYoga } from "yoga-layout/load";

let yoga;
export const yogaReady = loadYoga().then((loaded) => {
  yoga = loaded;
});

export default new Proxy(
  {},
  {
    get(_target, key) {
      if (!yoga) throw new Error("yoga-layout used before it was loaded");
      return yoga[key];
    },
  },
);
