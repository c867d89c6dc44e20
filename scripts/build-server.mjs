// Bundles the server and its two command-line tools into dist/server/ with esbuild: ESM for Node 20, linked
// source maps (run with `node --enable-source-maps`). Packages from node_modules stay external and are loaded
// from the installed production dependencies; the workspace's own TypeScript (server, drizzle, the SDK's wire
// contract) is bundled. Usage: `node scripts/build-server.mjs [outdir]` (default dist/server).
//
// The server reads files next to its sources at run time (the Lua scripts, drizzle/migrations, web-demo/dist)
// through `new URL(relative, import.meta.url)`. In a bundle every module would share the bundle's URL, so each
// module's `import.meta.url` is rewritten to its source file's location, resolved from the bundle's own place:
// the built server finds those files in the package root exactly as the sources do under tsx.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, process.argv[2] ?? 'dist/server');

const entryPoints = {
  main: 'server/src/main.ts',
  'migrate-cli': 'server/src/db/migrate-cli.ts',
  'recovery-cli': 'server/src/recovery/cli.ts',
};

const builtins = new Set(builtinModules);
const packageName = (specifier) => specifier.split('/', specifier.startsWith('@') ? 2 : 1).join('/');

/** Bare imports stay external, except the workspace's own packages (TypeScript that Node cannot load). */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@frontrow/') ? undefined : { path: args.path, external: true },
    );
  },
};

/** Gives each bundled module the `import.meta.url` of its source file (see the header). */
const sourceLocations = {
  name: 'source-locations',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (/import\.meta\.(dirname|filename)/.test(text)) {
        return {
          errors: [
            { text: 'use new URL(path, import.meta.url): import.meta.dirname/filename are not rewritten' },
          ],
        };
      }
      const fromBundle = relative(outdir, args.path).split(sep).join('/');
      const located = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', located), loader: 'ts' };
    });
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
  // Workspace packages are bundled from their TypeScript sources (client-sdk/package.json `exports`).
  conditions: ['frontrow-source'],
  plugins: [externalPackages, sourceLocations],
});

function reachable(name) {
  for (let dir = outdir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', name, 'package.json'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

// Everything the bundle imports at run time must be a production dependency of the server, or the image
// (`npm ci --omit=dev`) starts without it.
const server = JSON.parse(readFileSync(join(root, 'server/package.json'), 'utf8'));
const declared = new Set(Object.keys(server.dependencies ?? {}));
const undeclared = new Set();
const externals = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const { path, external } of output.imports) {
    if (!external || path.startsWith('node:') || builtins.has(path)) continue;
    externals.add(packageName(path));
    if (!declared.has(packageName(path))) undeclared.add(packageName(path));
  }
}
// Node resolves them from the bundle's folder upwards, never from server/node_modules.
const unreachable = [...externals].filter((name) => !reachable(name));
if (unreachable.length > 0) {
  console.error(
    `the server bundle imports ${unreachable.join(', ')}, which no node_modules above ${outdir} holds`,
  );
  process.exit(1);
}
if (undeclared.size > 0) {
  console.error(
    `the server bundle imports ${[...undeclared].join(', ')}, which server/package.json does not list in ` +
      '"dependencies"',
  );
  process.exit(1);
}
console.log(
  `built the server into ${relative(root, outdir) || '.'} (${Object.keys(entryPoints).join(', ')})`,
);
