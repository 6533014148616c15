// @ts-check
'use strict';
/**
 * `nest g resource` as @nestjs/schematics writes it, then brought into the house layout
 * (STYLE.md): the entity sits flat in the feature folder like `session.entity.ts`, and
 * every file it touched is formatted with the project's Prettier config, so the result
 * lints, builds and tests without manual edits.
 */
const { chain, externalSchematic } = require('@angular-devkit/schematics');
const prettier = require('prettier');

/** @param {import('@angular-devkit/schematics').Tree} tree */
function flattenEntities(tree) {
  const moved = [];
  tree.visit((path) => {
    const match = /^(.*)\/entities\/([^/]+\.entity\.ts)$/.exec(path);
    if (match && !tree.exists(`${match[1]}/${match[2]}`)) {
      tree.rename(path, `${match[1]}/${match[2]}`);
      moved.push(match[1]);
    }
  });
  for (const folder of new Set(moved)) {
    tree.getDir(folder).visit((path) => {
      if (!path.endsWith('.ts')) {
        return;
      }
      const source = tree.readText(path);
      const rewritten = source.replace(
        /(['"])(\.{1,2}\/)(?:\.\.\/)*?entities\/([^'"]+\.entity)\1/g,
        (_all, quote, prefix, file) => `${quote}${prefix}${file}${quote}`,
      );
      if (rewritten !== source) {
        tree.overwrite(path, rewritten);
      }
    });
  }
}

/** @param {import('@angular-devkit/schematics').Tree} tree */
async function formatChanges(tree) {
  const touched = new Set();
  for (const action of tree.actions) {
    const path = action.kind === 'r' ? action.to : action.path;
    if (action.kind !== 'd' && /\.ts$/.test(path) && tree.exists(path)) {
      touched.add(path);
    }
  }
  for (const path of touched) {
    const filepath = `${process.cwd()}${path}`;
    const options = (await prettier.resolveConfig(filepath)) ?? {};
    const source = tree.readText(path);
    const formatted = await prettier.format(source, { ...options, filepath });
    if (formatted !== source) {
      tree.overwrite(path, formatted);
    }
  }
}

/** @param {Record<string, unknown>} options */
exports.main = (options) =>
  chain([
    externalSchematic('@nestjs/schematics', 'resource', options),
    (tree) => flattenEntities(tree),
    (tree) => formatChanges(tree),
  ]);
