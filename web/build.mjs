// Bundles src/ into ../src/cinemesh/web/static/dist: content-hashed assets (served immutable)
// and index.html (served no-cache) that names them. `node build.mjs --watch` rebuilds on change.
import * as esbuild from "esbuild";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import zlib from "node:zlib";
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
  // The app's own entry: lazily imported views are entry points of the metafile too, and one of
  // them (admin_users-*.js) sorts before app-*.js, which made it the page's script.
  const js = asset((file, meta) => meta.entryPoint?.endsWith("src/main.js") && file.endsWith(".js"));
  const css = asset((file) => /\/app-[^/]+\.css$/.test(file));
  const template = await readFile(path.join(here, "index.html"), "utf8");
  const html = template.replace("%APP_JS%", js).replace("%APP_CSS%", css);
  await writeFile(path.join(dist, "index.html"), html);
  await precompress(path.join(dist, "assets"));
}

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** .br and .gz next to every JS/CSS file: the server sends them as they are, no per-request work. */
async function precompress(dir) {
  const files = (await readdir(dir)).filter((name) => /\.(js|css)$/.test(name));
  await Promise.all(
    files.map(async (name) => {
      const data = await readFile(path.join(dir, name));
      const br = await brotli(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
      const gz = await gzip(data, { level: 9 });
      await writeFile(path.join(dir, `${name}.br`), br);
      await writeFile(path.join(dir, `${name}.gz`), gz);
    }),
  );
}

await rm(dist, { recursive: true, force: true });
await mkdir(path.join(dist, "assets"), { recursive: true });
if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log(`watching; writing ${dist}`);
} else {
  const result = await esbuild.build(options);
  const sizes = await Promise.all(
    Object.entries(result.metafile.outputs)
      .filter(([file]) => !file.endsWith(".map") && !file.endsWith(".txt"))
      .map(async ([file, meta]) => {
        const br = (await readFile(`${file}.br`)).length;
        return `${path.basename(file)} ${(meta.bytes / 1024).toFixed(1)} KiB (brotli ${(br / 1024).toFixed(1)} KiB)`;
      }),
  );
  console.log(sizes.join("\n"));
}
