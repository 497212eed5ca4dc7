// Bundles src/ into ../src/cinemesh/web/static/dist: content-hashed assets (served immutable)
// and index.html (served no-cache) that names them. `node build.mjs --watch` rebuilds on change.
import * as esbuild from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, "../src/cinemesh/web/static/dist");
const watch = process.argv.includes("--watch");

/** @type {esbuild.BuildOptions} */
const options = {
  entryPoints: { app: path.join(here, "src/main.js") },
  outdir: path.join(dist, "assets"),
  bundle: true,
  splitting: true, // the player (shaka) and the uploader (tus) load only on the pages that use them
  format: "esm",
  target: ["chrome110", "firefox115", "safari16"],
  minify: true,
  sourcemap: "linked",
  entryNames: "[name]-[hash]",
  chunkNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  metafile: true,
  legalComments: "linked",
  logLevel: "warning",
  plugins: [{ name: "index-html", setup: (build) => build.onEnd(writeIndex) }],
};

async function writeIndex(result) {
  if (result.errors.length) return;
  const outputs = Object.entries(result.metafile.outputs);
  const asset = (predicate) => {
    const found = outputs.find(([file, meta]) => predicate(file, meta));
    return found && "/assets/" + path.basename(found[0]);
  };
  const js = asset((file, meta) => meta.entryPoint && file.endsWith(".js"));
  const css = asset((file) => /\/app-[^/]+\.css$/.test(file));
  const template = await readFile(path.join(here, "index.html"), "utf8");
  const html = template.replace("%APP_JS%", js).replace("%APP_CSS%", css);
  await writeFile(path.join(dist, "index.html"), html);
}

await rm(dist, { recursive: true, force: true });
await mkdir(path.join(dist, "assets"), { recursive: true });
if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log(`watching; writing ${dist}`);
} else {
  const result = await esbuild.build(options);
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([file]) => !file.endsWith(".map") && !file.endsWith(".txt"))
    .map(([file, meta]) => `${path.basename(file)} ${(meta.bytes / 1024).toFixed(1)} KiB`);
  console.log(sizes.join("\n"));
}
