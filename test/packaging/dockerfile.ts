// Reads the repository's Dockerfile and .dockerignore so that the packaging test can run the image's
// own steps without a container engine (none runs on these machines): the build stage's RUN lines in a
// copy of the build context, then the runtime stage's ENV, CMD and HEALTHCHECK against the result.
// Parsed with dockerfile-ast (line continuations, flags, exec form) and filtered with
// @balena/dockerignore (Docker's own matching rules), so nothing here re-implements either format.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { Arg, Cmd, Copy, DockerfileParser, Env, Healthcheck, Run, type Instruction } from 'dockerfile-ast';

export interface ImageRecipe {
  /** Number of FROM lines: more than one is a multi-stage build. */
  stages: number;
  /** The build stage: its ARG defaults and its RUN commands (shell form, flags such as --mount dropped). */
  buildArgs: Record<string, string>;
  buildRuns: string[];
  /** The runtime (last) stage. */
  env: Record<string, string>;
  user: string | undefined;
  workdir: string | undefined;
  volumes: string[];
  healthcheck: string[];
  cmd: string[];
}

// The package is CommonJS (module.exports = the factory) while its types declare an ES default export,
// which TypeScript's NodeNext resolution then reads as `.default`: required, it is what the types say.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as typeof import('@balena/dockerignore').default;

/** Instructions the test knows how to mirror (or knowingly leaves to the image, such as EXPOSE). */
const BUILD_STAGE = new Set(['FROM', 'ARG', 'WORKDIR', 'COPY', 'RUN']);
const RUNTIME_STAGE = new Set(['FROM', 'COPY', 'ENV', 'RUN', 'USER', 'WORKDIR', 'VOLUME', 'EXPOSE', 'HEALTHCHECK', 'CMD']);

function execForm(instruction: Instruction, text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`${instruction.getKeyword()} must use the exec form (a JSON array of strings), not ${text}`);
  }
  return parsed as string[];
}

export function readImageRecipe(dockerfilePath: string): ImageRecipe {
  const dockerfile = DockerfileParser.parse(readFileSync(dockerfilePath, 'utf8'));
  const froms = dockerfile.getFROMs();
  if (froms.length < 2) throw new Error('the Dockerfile is expected to have a build stage and a runtime stage');
  const runtimeStart = froms[froms.length - 1]!.getRange().start.line;
  const buildStart = froms[0]!.getRange().start.line;

  const recipe: ImageRecipe = {
    stages: froms.length,
    buildArgs: {},
    buildRuns: [],
    env: {},
    user: undefined,
    workdir: undefined,
    volumes: [],
    healthcheck: [],
    cmd: [],
  };
  for (const instruction of dockerfile.getInstructions()) {
    const line = instruction.getRange().start.line;
    const keyword = instruction.getKeyword();
    if (line < buildStart) continue; // global ARGs before the first FROM (the Node version)
    const runtime = line >= runtimeStart;
    const known = runtime ? RUNTIME_STAGE : BUILD_STAGE;
    // A new kind of step would silently not be mirrored: make the test learn it first.
    if (!known.has(keyword))
      throw new Error(`the packaging test does not mirror ${keyword} in the ${runtime ? 'runtime' : 'build'} stage (line ${line + 1})`);
    if (!runtime) {
      if (instruction instanceof Arg) {
        for (const property of instruction.getProperties()) recipe.buildArgs[property.getName()] = property.getValue() ?? '';
      } else if (instruction instanceof Run) {
        recipe.buildRuns.push(instruction.getArgumentsContent() ?? '');
      } else if (instruction instanceof Copy && instruction.getArgumentsContent() !== '. .') {
        throw new Error(`the build stage may only COPY the whole context (. .), not ${instruction.getArgumentsContent()}`);
      }
      continue;
    }
    if (instruction instanceof Env) {
      for (const property of instruction.getProperties()) recipe.env[property.getName()] = property.getValue() ?? '';
    } else if (keyword === 'USER') {
      recipe.user = instruction.getArgumentsContent() ?? undefined;
    } else if (keyword === 'WORKDIR') {
      recipe.workdir = instruction.getArgumentsContent() ?? undefined;
    } else if (keyword === 'VOLUME') {
      const text = instruction.getArgumentsContent() ?? '';
      recipe.volumes.push(...(text.startsWith('[') ? execForm(instruction, text) : text.split(/\s+/)));
    } else if (instruction instanceof Healthcheck) {
      const text = instruction.getArgumentsContent() ?? '';
      const command = /^CMD\s+(\[.*\])$/s.exec(text);
      if (!command) throw new Error(`HEALTHCHECK must be CMD in exec form, not ${text}`);
      recipe.healthcheck = execForm(instruction, command[1]!);
    } else if (instruction instanceof Cmd) {
      recipe.cmd = execForm(instruction, instruction.getArgumentsContent() ?? '');
    }
  }
  return recipe;
}

/** Every file of `root` that a `docker build root` would send as its context (paths relative to root). */
export function buildContextFiles(root: string): string[] {
  const filter = dockerignore()
    .add(readFileSync(join(root, '.dockerignore'), 'utf8'))
    .createFilter();
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    // parentPath since Node 21, path before (deprecated, still there on 24).
    .map((entry) => relative(root, join((entry as { parentPath?: string }).parentPath ?? entry.path, entry.name)));
  return files.filter(filter);
}
