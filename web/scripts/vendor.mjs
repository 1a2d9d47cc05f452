// Copies the built socket.io client from node_modules into the web app's static files,
// so the browser never fetches anything from the internet at run time.
// Run after `npm ci`: `npm run vendor` (from web/).
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, "..", "node_modules", "socket.io-client");
const staticDir = join(here, "..", "..", "cssecure", "web", "static");
const version = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version;

copyFileSync(join(pkgDir, "dist", "socket.io.min.js"), join(staticDir, "socket.io.min.js"));
writeFileSync(
  join(staticDir, "socket.io.VERSION"),
  `socket.io-client ${version} (npm, copied by web/scripts/vendor.mjs)\n`,
);
console.log(`vendored socket.io-client ${version} into ${staticDir}`);
