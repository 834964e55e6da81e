// Checks that every package (and the CLI) works once published: `npm pack`s each one, installs the tarball (with its
// @lorakit/* dependencies, also from tarballs) into a fresh temporary project outside the workspace, type-checks a
// small script against the installed types with the repo's tsc (moduleResolution nodenext) and runs it.
// One line per package; exit 1 when any fails. Needs a build (dist/) first: `npm test` or `npm run setup`.
// Run: npm run check:packages   [-- --keep to leave the temp dirs for inspection]
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const smokeDir = join(root, 'tools', 'package-smoke');
const keep = process.argv.includes('--keep');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

// Every public library, plus each app that has a smoke script (the CLI; an app opts in by adding one).
const workspaces = (folder) =>
  readdirSync(join(root, folder)).map((name) => ({ dir: join(folder, name), manifest: readJson(join(root, folder, name, 'package.json')) }));
const short = (name) => name.replace('@lorakit/', '');
const packages = [
  ...workspaces('packages'),
  ...workspaces('apps').filter((p) => existsSync(join(smokeDir, `${short(p.manifest.name)}.mts`))),
].filter((p) => !p.manifest.private);
const byName = new Map(packages.map((p) => [p.manifest.name, p]));

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function sh(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
  } catch (error) {
    const out = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`\`${[cmd, ...args].join(' ')}\` failed:\n${out}`, { cause: error });
  }
}

/** The @lorakit/* packages a package needs (dependencies and peers), itself included, dependencies first. */
function closure(name, seen = new Set()) {
  if (seen.has(name)) return [];
  seen.add(name);
  const p = byName.get(name);
  if (!p) throw new Error(`${name} is not a workspace package`);
  // Peers too: a package may take another @lorakit package as a peer (types only), which the user installs beside it.
  const deps = Object.keys({ ...p.manifest.dependencies, ...p.manifest.peerDependencies }).filter((d) => d.startsWith('@lorakit/'));
  return [...deps.flatMap((d) => closure(d, seen)), name];
}

/** Installed .js files that import vitest (a test helper compiled into the library), relative to the package. */
function testFrameworkImports(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = `${prefix}${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFrameworkImports(join(dir, entry.name), `${rel}/`);
    return entry.name.endsWith('.js') && /\bfrom ['"]vitest['"]/.test(readFileSync(join(dir, entry.name), 'utf8')) ? [rel] : [];
  });
}

const missing = packages.filter((p) => !existsSync(join(root, p.dir, 'dist', 'index.js')));
if (missing.length > 0) {
  console.error(`check-packages: no dist/ in ${missing.map((p) => p.dir).join(', ')}; run the build first (npm run setup)`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'lorakit-check-packages-'));
const tarballs = new Map();
let failed = 0;
try {
  const packed = JSON.parse(
    sh(npm, ['pack', '--json', '--pack-destination', work, ...packages.flatMap((p) => ['-w', p.dir])], root),
  );
  for (const entry of packed) tarballs.set(entry.name, join(work, entry.filename));

  for (const p of packages) {
    const name = p.manifest.name;
    const started = Date.now();
    const project = join(work, `try-${short(name)}`);
    try {
      const smoke = join(smokeDir, `${short(name)}.mts`);
      if (!existsSync(smoke)) throw new Error(`no smoke script ${smoke}`);
      const packedFiles = packed.find((e) => e.name === name).files.map((f) => f.path);
      for (const needed of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']) {
        if (!packedFiles.includes(needed)) throw new Error(`the tarball lacks ${needed}`);
      }
      if (packedFiles.some((f) => f.startsWith('src/') || f.endsWith('.tsbuildinfo') || f.includes('.test.'))) {
        throw new Error('the tarball ships sources, tests or build info; fix "files" in package.json');
      }
      mkdirSync(project);
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `try-${short(name)}`, private: true, type: 'module' }, null, 2));
      sh(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', ...closure(name).map((n) => tarballs.get(n))], project);
      copyFileSync(smoke, join(project, 'smoke.mts'));
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify(
          {
            compilerOptions: {
              module: 'nodenext',
              moduleResolution: 'nodenext',
              target: 'es2022',
              lib: ['es2023'],
              strict: true,
              noUncheckedIndexedAccess: true,
              exactOptionalPropertyTypes: true,
              verbatimModuleSyntax: true,
              skipLibCheck: false,
              types: ['node'],
              typeRoots: [join(root, 'node_modules', '@types')],
              outDir: '.',
            },
            files: ['smoke.mts'],
          },
          null,
          2,
        ),
      );
      const testImports = testFrameworkImports(join(project, 'node_modules', ...name.split('/')));
      if (testImports.length > 0) throw new Error(`the tarball ships files importing a test framework: ${testImports.join(', ')}`);
      sh(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
      const said = sh(process.execPath, ['smoke.mjs'], project).trim().split('\n').at(-1) ?? '';
      console.log(`ok    ${name.padEnd(28)} ${((Date.now() - started) / 1000).toFixed(1)}s  ${said}`);
    } catch (error) {
      failed += 1;
      console.log(`FAIL  ${name.padEnd(28)} ${error instanceof Error ? error.message : String(error)}`);
    }
  }
} finally {
  if (keep) console.log(`temp projects kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
console.log(`${packages.length - failed} of ${packages.length} packages install and work on their own`);
process.exit(failed === 0 ? 0 : 1);
