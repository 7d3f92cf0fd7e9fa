// Trunk post-build hook: writes `<file>.br` (Brotli, quality 11) and `<file>.gz` (gzip,
// level 9) beside each of the web app's hashed assets, so the server sends phones the
// smallest bytes without compressing anything per request (server/src/http/assets.rs).
// index.html is left alone: it is small and changes with every build.
// Node's own zlib does both; no package to install.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dir = process.env.TRUNK_STAGING_DIR ?? process.argv[2];
if (!dir) {
  console.error("precompress: set TRUNK_STAGING_DIR or pass the directory");
  process.exit(1);
}
const COMPRESSIBLE = /\.(wasm|js|css|svg|json)$/;
// Below this, compression saves less than a packet.
const MIN_BYTES = 1024;

for (const name of readdirSync(dir)) {
  const path = join(dir, name);
  if (!COMPRESSIBLE.test(name) || !statSync(path).isFile()) continue;
  const data = readFileSync(path);
  if (data.length < MIN_BYTES) continue;
  const variants = {
    br: brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
    gz: gzipSync(data, { level: 9 }),
  };
  for (const [suffix, compressed] of Object.entries(variants)) {
    if (compressed.length < data.length) writeFileSync(`${path}.${suffix}`, compressed);
  }
  console.log(
    `precompress: ${name} ${data.length} B, br ${variants.br.length} B, gz ${variants.gz.length} B`,
  );
}
